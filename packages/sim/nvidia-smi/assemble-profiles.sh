#!/usr/bin/env bash
# Builds profiles/<name>/ for the sim nvidia-smi from the real captures in captures/ (see
# captures/README.md for where each came from). Deterministic; re-run after changing captures.
#   gpus.csv    one line per GPU in the agent's query order, no header, no units:
#               index, name, memory.total (MiB), driver_version, pci.bus_id, compute_cap
#               taken from a capture's default `nvidia-smi` table (index, name, bus id, memory,
#               driver). compute_cap is not in those tables: it comes from a query capture of the
#               same GPU model where one exists, else from NVIDIA's published compute capability of
#               the model (COMPUTE_CAP below) — that column is derived, and PROFILE.md says so.
#   topo-m.txt, default.txt, nvidia-smi-a.txt   verbatim copies of captures, replayed as they are.
set -euo pipefail
cd "$(dirname "$0")"
declare -A COMPUTE_CAP=([A100]=8.0 [H100]=9.0 [H200]=9.0 ["RTX 3090"]=8.6 ["RTX 4090"]=8.9 [B200]=10.0 [B300]=10.3)

cap_of() {
  local name=$1 k
  for k in "${!COMPUTE_CAP[@]}"; do [[ $name == *"$k"* ]] && { echo "${COMPUTE_CAP[$k]}"; return; }; done
  echo "unknown"
}

# profile <name> <capture dir with default.txt> [topo capture dir] [compute_cap source note]
profile() {
  local name=$1 src=$2 topo=${3:-} capnote=${4:-"NVIDIA's published compute capability of the model (derived)"}
  local out=profiles/$name
  rm -rf "$out"; mkdir -p "$out"
  local driver
  driver=$(grep -o 'Driver Version: [0-9.]*' "captures/$src/default.txt" | head -1 | awk '{print $3}')
  # GPU lines: "|   0  NVIDIA H100 80GB HBM3          On  |   00000000:18:00.0 Off |" then the memory line.
  awk -v drv="$driver" '
    /^\| +[0-9]+ +NVIDIA/ {
      line=$0; sub(/^\| +/, "", line); idx=line; sub(/ .*/, "", idx)
      nm=line; sub(/^[0-9]+ +/, "", nm); sub(/ +(On|Off) +\|.*/, "", nm)
      split($0, cell, "|"); bus=cell[3]; sub(/^ +/, "", bus); sub(/ .*/, "", bus)
      getline; mem=$0; sub(/.*\/ +/, "", mem); sub(/MiB.*/, "", mem)
      printf "%s\t%s\t%s\t%s\t%s\n", idx, nm, mem, drv, bus
    }' "captures/$src/default.txt" | while IFS=$'\t' read -r idx nm mem drv bus; do
      printf '%s, %s, %s, %s, %s, %s\n' "$idx" "$nm" "$mem" "$drv" "$bus" "$(cap_of "$nm")"
    done >"$out/gpus.csv"
  cp "captures/$src/default.txt" "$out/default.txt"
  [ -f "captures/$src/nvidia-smi-a.txt" ] && cp "captures/$src/nvidia-smi-a.txt" "$out/nvidia-smi-a.txt"
  [ -n "$topo" ] && cp "captures/$topo/topo-m.txt" "$out/topo-m.txt"
  {
    echo "# Profile $name"
    echo
    echo "- gpus.csv: index, name, memory.total, driver_version and pci.bus_id from captures/$src/default.txt (real; see its ORIGIN.md)."
    echo "- compute_cap column: $capnote."
    echo "- default.txt$([ -f "$out/nvidia-smi-a.txt" ] && echo ', nvidia-smi-a.txt'): verbatim from captures/$src."
    [ -n "$topo" ] && echo "- topo-m.txt: verbatim from captures/$topo$([ "$topo" != "$src" ] && echo ' (another machine of the same GPU model and count)')."
  } >"$out/PROFILE.md"
  [ -s "$out/gpus.csv" ] || { echo "no GPU rows parsed from captures/$src/default.txt" >&2; exit 1; }
}

profile h100-sxm-8x h100-sxm-8x h100-sxm-8x-stas00
profile h200-8x h200-8x-nightlessbaron h200-8x "query capture of the same model lists no compute_cap; NVIDIA's published value (derived)"
profile b200-8x b200-8x b200-8x
profile a100-sxm4-80gb-4x a100-sxm4-80gb-4x-thamada a100-sxm4-80gb-4x "8.0, as in the query capture captures/a100-sxm4-80gb-4x (real, same model)"
profile a100-sxm4-40gb-1x a100-sxm4-40gb-1x
profile rtx3090-2x rtx3090-2x-thamada rtx3090-2x-club3090 "8.6, as in the query capture captures/rtx3090-2x-thc1006 (real, same model)"
profile rtx4090-8x rtx4090-8x-thamada
echo "profiles: $(ls profiles | tr '\n' ' ')"
