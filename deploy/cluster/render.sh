#!/bin/sh
# render.sh TEMPLATE: print TEMPLATE with every ${NAME} replaced by the environment's value.
# envsubst would put an empty string for a name that is not set; this stops instead (set -u),
# so a forgotten variable never becomes an empty <host/> or port. It runs on every Debian
# node and in the ClickHouse, Redis and ZooKeeper images (sh and cat only). Templates hold no
# backslash, backquote or "$(" (tests/unit/test_deploy_files.py checks): only ${NAME} expands.
set -eu
template=$1
eval "cat <<__LINKGRAPH_TEMPLATE_END__
$(cat "$template")
__LINKGRAPH_TEMPLATE_END__"
