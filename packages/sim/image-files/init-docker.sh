#!/bin/sh
# The node service's official command is `sh ./init-docker.sh` (working directory /root).
exec /usr/local/bin/node /opt/gnm-sim/sim.cjs node
