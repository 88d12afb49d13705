#!/bin/sh
# redis-cluster-create.sh: join the nodes of $REDIS_NODES (host:port ...) into one cluster,
# one replica per master: 6 nodes make 3 masters and 3 replicas. A node that already belongs
# to a cluster in state ok means it was done: nothing to do (so a restarted compose is fine).
set -eu
: "${REDIS_PASSWORD:?set REDIS_PASSWORD: every node of the cluster asks for one}"
export REDISCLI_AUTH="$REDIS_PASSWORD"
first=${REDIS_NODES%% *}
if redis-cli -h "${first%:*}" -p "${first##*:}" cluster info | grep -q '^cluster_state:ok'; then
    exit 0
fi
# redis-cli --cluster create wants addresses: resolve the names (an address stays itself).
addresses=""
for node in $REDIS_NODES; do
    address=$(getent hosts "${node%:*}" | awk '{ print $1; exit }')
    addresses="$addresses ${address:-${node%:*}}:${node##*:}"
done
# shellcheck disable=SC2086  # one argument per node
redis-cli --cluster create $addresses --cluster-replicas 1 --cluster-yes
