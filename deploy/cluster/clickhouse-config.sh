#!/bin/sh
# clickhouse-config.sh ETC: write this node's cluster files under ETC (/etc/clickhouse-server):
# config.d/linkgraph-cluster.xml, config.d/linkgraph-node.xml, users.d/linkgraph.xml, from
# the templates beside this script and the CH_*/ZK_* variables of schema/cluster/DEPLOY.md.
set -eu
: "${CH_PASSWORD:?set CH_PASSWORD, letters and digits: the linkgraph user needs one}"
etc=$1
here=$(dirname "$0")
mkdir -p "$etc/config.d" "$etc/users.d"
sh "$here/render.sh" "$here/clickhouse/cluster.xml" > "$etc/config.d/linkgraph-cluster.xml"
sh "$here/render.sh" "$here/clickhouse/node.xml" > "$etc/config.d/linkgraph-node.xml"
sh "$here/render.sh" "$here/clickhouse/users.xml" > "$etc/users.d/linkgraph.xml"
