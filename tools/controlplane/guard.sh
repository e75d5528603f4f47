#!/usr/bin/env bash
# Stops a local control plane when its owner process is gone (a test run that crashed or was
# interrupted, or `npm start` killed). Usage: guard.sh OWNER_PID CLUSTER_DIR keep|ephemeral
# Only processes whose command line names CLUSTER_DIR are signalled, so recycled pids are safe.
owner="$1" dir="$2" mode="$3"
while kill -0 "$owner" 2>/dev/null; do sleep 0.5; done
ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$dir"; }
pids=()
for pid in $(cat "$dir/pids" 2>/dev/null); do
  [ "$pid" = "$$" ] && continue
  ours "$pid" && pids+=("$pid") && kill -TERM "$pid" 2>/dev/null
done
for _ in $(seq 1 100); do
  left=0
  for pid in "${pids[@]}"; do ours "$pid" && left=1; done
  [ "$left" = 0 ] && break
  sleep 0.1
done
for pid in "${pids[@]}"; do ours "$pid" && kill -KILL "$pid" 2>/dev/null; done
if [ "$mode" = ephemeral ]; then sleep 0.2; rm -rf -- "$dir"; fi
echo "guard: owner $owner gone; stopped ${#pids[@]} process(es) of $dir"
