#!/bin/sh
# Prints the start of its output, then hangs (with a child keeping stdout open).
echo "[global]"
sleep 30
echo "	workgroup = LATE"
