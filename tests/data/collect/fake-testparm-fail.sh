#!/bin/sh
# testparm that cannot load its configuration: nothing on stdout, status 1.
echo "Error loading services." >&2
exit 1
