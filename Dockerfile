# The project's one image: the operator (`operator/main.ts`) and the dashboard with its gateway
# (`dashboard/gateway/main.ts`), run by the Deployments in deploy/install.yaml with `args`. Node 24
# runs the TypeScript sources directly (type stripping, docs/adr/0005), so there is no build step.
# cdk8s/deploy/production-tree.int.test.ts builds the same tree without Docker and runs both commands.

FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# The runtime stage has no shell and no package manager: node, the sources and their dependencies.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY runtime ./runtime
COPY crds ./crds
COPY operator ./operator
COPY dashboard ./dashboard
USER 65532:65532
# The image's entrypoint is node; the Deployments pass the script and flags as args.
CMD ["operator/main.ts"]
