#!/bin/sh
# Prints something that is not testparm output at all, and succeeds.
printf 'Segmentation fault?\n\001\002\377 binary junk = = =\nclient min protocol = NT1\n'
