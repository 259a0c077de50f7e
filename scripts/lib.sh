# Sourced by the scripts that run checks against the embedded local cluster; not run on its own.

# use_local_cluster: brings the local cluster up, building what is missing, and exports KUBECONFIG and
# KUBIA_DNS_SERVER. If the cluster was down, it is stopped again when the calling script exits, whatever the
# outcome. A failed `up` stops the calling script (its own message names the component and shows its log).
use_local_cluster() {
  local cluster_script env_file
  cluster_script="$(dirname "${BASH_SOURCE[0]}")/local-cluster"
  if ! "$cluster_script" status >/dev/null 2>&1; then
    # shellcheck disable=SC2064 # the path is fixed now, on purpose
    trap "'$cluster_script' down" EXIT
  fi
  env_file=$(mktemp)
  if ! "$cluster_script" up >"$env_file"; then
    rm -f "$env_file"
    exit 1
  fi
  set -a
  # shellcheck disable=SC1090
  source "$env_file"
  set +a
  rm -f "$env_file"
}
