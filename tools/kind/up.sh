#!/usr/bin/env bash
# Optional, untested here (docs/adr/0008): a kind cluster with the project installed from deploy/,
# for people who have Docker or Podman. Builds the image, loads it into kind, applies install.yaml,
# creates the gateway's ticket keys and the sample data. Pods really run on kind: the sample sessions
# pull their images and need an NFS server reachable from the nodes (set DAAS_NFS_SERVER in
# the daas-site-config ConfigMap).
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE=$(grep -m1 -o 'registry.facility.example/daas-operator:[^ "]*' deploy/install.yaml)

kind create cluster --config tools/kind/cluster.yaml
docker build -t "$IMAGE" .
kind load docker-image --name daas "$IMAGE"
kubectl apply --server-side -f deploy/install.yaml
for s in daas-gateway-ticket-keys daas-dashboard-session-keys; do
  kubectl -n daas-system create secret generic "$s" --from-literal=primary="$(head -c 32 /dev/urandom | base64)"
done
kubectl -n daas-system create secret generic daas-dashboard-proxy-secret \
  --from-literal=secret="$(head -c 32 /dev/urandom | base64)"
# Browsers reach the dashboard through the port-forward below.
kubectl -n daas-system patch configmap daas-site-config --type=merge \
  -p '{"data":{"DAAS_DASHBOARD_PUBLIC_URL":"http://127.0.0.1:8080/","DAAS_GATEWAY_PUBLIC_URL":"http://127.0.0.1:8090/"}}'
# No authenticating proxy here: sign in with the demo users (never on a shared cluster).
kubectl -n daas-system set env deployment/daas-dashboard DAAS_DASHBOARD_DEMO_SIGN_IN=true
kubectl apply --server-side -f examples/
kubectl -n daas-system rollout status deployment/daas-operator deployment/daas-dashboard
echo "Dashboard: kubectl -n daas-system port-forward service/daas-dashboard 8080:80 8090:8090, then http://127.0.0.1:8080/"
