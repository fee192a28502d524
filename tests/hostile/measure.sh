#!/usr/bin/env bash
# Measures each hostile case (made by make_inputs.sh): exit code, wall time, max RSS (GNU time), raw ESC lines.
# Not a test: numbers for issue 10.  measure.sh KBDIAG INPUTS_DIR MINI_KB_FOLDER
K=$1; H=$2; MINI=$3
M=(--no-builtin-kb --kb "$MINI")
export NO_COLOR=1 LC_ALL=C.UTF-8
case_() {
  local name=$1; shift
  local rc
  ( ulimit -v 2097152; /usr/bin/time -f '%e %M' -o /tmp/measure.time timeout 60 "$@" >/tmp/measure.out 2>/tmp/measure.err ); rc=$?
  read -r wall rss < <(tail -1 /tmp/measure.time)
  local esc; esc=$(cat /tmp/measure.out /tmp/measure.err | grep -c $'\x1b' || true)
  printf '%-28s rc=%-3s wall=%6ss maxrss=%8s KiB  esc_lines=%s  %s\n' "$name" "$rc" "$wall" "$rss" "$esc" "$(head -c 150 /tmp/measure.err | tr '\n' ' ')"
}
case_ snap_alias_bomb "$K" "${M[@]}" infer "$H/snap_alias_bomb.yaml" --error 0x963
case_ kb_alias_bomb "$K" --no-builtin-kb --kb "$H/kb_alias_bomb" kb lint
case_ dev_zero "$K" "${M[@]}" infer /dev/zero --error 0x963
case_ writing_pipe bash -c "yes | \"\$0\" $(printf '%q ' "${M[@]}") infer /dev/stdin --error 0x963" "$K"
case_ kb_over_cap "$K" --no-builtin-kb --kb "$H/kb_over_cap" kb lint
case_ snap_long_values "$K" "${M[@]}" infer "$H/snap_long_values.yaml" --error 0x963
case_ snap_many_diagnostics "$K" "${M[@]}" infer "$H/snap_many_diagnostics.yaml" --error 0x963
case_ kb_show_long_title "$K" --no-builtin-kb --kb "$H/kb_long_title" kb show long_title
case_ snap_escapes "$K" "${M[@]}" infer "$H/snap_escapes.yaml" --error 0x963
case_ kb_escapes_lint "$K" --no-builtin-kb --kb "$H/kb_escapes" kb lint
case_ kb_escapes_show "$K" --no-builtin-kb --kb "$H/kb_escapes" kb show mini_level
case_ kb_escapes_infer "$K" --no-builtin-kb --kb "$H/kb_escapes" infer "$H/snap_plain.yaml" --error 0x963
case_ lua_escapes "$K" --no-builtin-kb --kb "$H/kb_lua_escapes" infer "$H/snap_plain.yaml" --error 0x963 --verbose
case_ snap_duplicate_key "$K" "${M[@]}" infer "$H/snap_duplicate_key.yaml" --error 0x963
case_ snap_two_documents "$K" "${M[@]}" infer "$H/snap_two_documents.yaml" --error 0x963
case_ kb_duplicate_key "$K" --no-builtin-kb --kb "$H/kb_duplicate_key" kb lint
case_ kb_two_documents "$K" --no-builtin-kb --kb "$H/kb_two_documents" kb lint
case_ kb_huge_lr "$K" --no-builtin-kb --kb "$H/kb_huge_lr" kb lint
case_ lua_huge_lr "$K" --no-builtin-kb --kb "$H/kb_lua_huge_lr" infer "$H/snap_plain.yaml" --error 0x963 --format json
