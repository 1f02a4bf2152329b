#!/usr/bin/env bash
# Installs the Debian packages hue needs (only those missing), then
# configures and builds hue in ./build. Safe and quick to run again.
#   bash scripts/setup.sh           what building and running hue needs
#   bash scripts/setup.sh --tests   also what the tests need (PyTorch to compare
#                                   with, the ffmpeg tools, the validation layer,
#                                   clang's sanitizers, Open MPI, sample photos)
# apt's output goes to build/setup-apt.log; the screen gets one line.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libvulkan-dev mesa-vulkan-drivers glslang-tools  # Vulkan, lavapipe where there is no GPU, the shader compiler
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libpng-dev
  libdnnl-dev  # the CPU backend's convolutions, matrix products and pooling (oneDNN 2.6, as PyTorch's)
)
if [ "${1:-}" = "--tests" ]; then
  packages+=(
    vulkan-validationlayers vulkan-tools spirv-tools  # the tests run with the validation layer on
    ffmpeg  # the tests cut clips and check outputs with ffmpeg and ffprobe
    python3 python3-torch python3-torchvision  # /usr/bin/python3: the tests compare with PyTorch and torchvision
    libopenblas0-pthread  # torch.mm at OpenBLAS speed for tests/bench/track_vs_pytorch.sh
    clang libclang-rt-14-dev  # scripts/test_asan.sh and scripts/fuzz.sh: clang's sanitizers and libFuzzer
    libopenmpi-dev openmpi-bin  # data-parallel training under mpirun (optional for users: without it hue is one process)
    python3-skimage  # its sample photos (PNG of every kind, JPEG with Exif, a cut JPEG) for tests/ssl_data/test_dataset_formats
  )
elif [ -n "${1:-}" ]; then
  echo "usage: bash scripts/setup.sh [--tests]" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "hue setup: these Debian packages are missing; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  mkdir -p build
  log=build/setup-apt.log
  echo "hue setup: installing ${#missing[@]} Debian packages (${missing[*]}); apt's log: $log"
  start=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "hue setup: apt-get failed (the end of its log is above; all of it in $log)" >&2
    exit 1
  fi
  echo "hue setup: installed in $((SECONDS - start)) s"
fi

werror=OFF
[ -n "${CI:-}" ] && werror=ON
# -U MPI*: Open MPI may have been installed since the last configure (--tests
# adds it); forget an earlier "not found".
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUE_WERROR=$werror -U 'MPI*' >/dev/null
cmake --build build -j"$(nproc)"
