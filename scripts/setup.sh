#!/usr/bin/env bash
# Installs the Debian packages hue needs (only those missing), then
# configures and builds hue in ./build. Safe and quick to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers vulkan-tools glslang-tools spirv-tools
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libpng-dev ffmpeg
  libdnnl-dev  # the CPU backend's convolutions, matrix products and pooling (oneDNN 2.6, as PyTorch's)
  python3
  python3-torch python3-torchvision  # /usr/bin/python3: the tests compare with PyTorch and torchvision
  libopenblas0-pthread  # torch.mm at OpenBLAS speed for tests/bench/track_vs_pytorch.sh
  clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer and clang's sanitizers
  libopenmpi-dev openmpi-bin  # data-parallel training under mpirun (optional: without them hue is one process)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "hue setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "hue setup: these Debian packages are missing; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

werror=OFF
[ -n "${CI:-}" ] && werror=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUE_WERROR=$werror >/dev/null
cmake --build build -j"$(nproc)"
