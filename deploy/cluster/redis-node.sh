#!/bin/sh
# redis-node.sh [REDIS-SERVER OPTION ...]: write $REDIS_DIR/redis.conf from redis/node.conf and
# the REDIS_* variables of schema/cluster/DEPLOY.md, then run redis-server on it (the options,
# e.g. --daemonize yes, override the file's).
set -eu
: "${REDIS_PASSWORD:?set REDIS_PASSWORD: every node of the cluster asks for one}"
here=$(dirname "$0")
mkdir -p "$REDIS_DIR"
sh "$here/render.sh" "$here/redis/node.conf" > "$REDIS_DIR/redis.conf"
exec redis-server "$REDIS_DIR/redis.conf" "$@"
