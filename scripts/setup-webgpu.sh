#!/usr/bin/env bash
# Installs a Vulkan driver for the webgpu backend (Dawn) on Debian bookworm: Mesa's lavapipe
# (software Vulkan on the CPU) and the Vulkan loader. Bookworm's own Mesa (22.3) is too old for
# the Dawn inside the `webgpu` npm package, so the driver comes from bookworm-backports.
# Machines with a GPU driver of their own (NVIDIA's Vulkan ICD, macOS Metal, Windows D3D12)
# need nothing from here. Safe to run again: it does nothing when the packages are present.
set -euo pipefail

need() { command -v "$1" >/dev/null 2>&1; }

if [ "$(uname -s)" != Linux ]; then
  echo "abw setup-webgpu: nothing to do on $(uname -s) (Dawn uses Metal on macOS, D3D12 on Windows)"
  exit 0
fi
if ! need apt-get; then
  echo "abw setup-webgpu: no apt-get; install Mesa's Vulkan drivers (lavapipe, Mesa ≥ 23) and the Vulkan loader with your package manager" >&2
  exit 0
fi

codename="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
if [ "$codename" != bookworm ]; then
  # Newer Debian/Ubuntu releases carry a recent enough Mesa in their main suite.
  backports=""
else
  backports="bookworm-backports"
fi

# lavapipe's ICD manifest is the sign the driver is there; dpkg tells whether it is the backport.
have_driver() {
  dpkg -s libvulkan1 >/dev/null 2>&1 || return 1
  local v
  v="$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null)" || return 1
  [ -n "$v" ] || return 1
  if [ -n "$backports" ]; then
    # The backport's version carries "~bpo12"; bookworm's own 22.3 is the one that fails.
    case "$v" in *bpo12*) return 0 ;; *) return 1 ;; esac
  fi
  return 0
}

if have_driver; then
  echo "abw setup-webgpu: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) and libvulkan1 already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" != 0 ]; then
  if need sudo; then sudo="sudo"; else
    echo "abw setup-webgpu: not root and no sudo; install mesa-vulkan-drivers${backports:+ from $backports} and libvulkan1 yourself" >&2
    exit 0
  fi
fi

# apt-get waits for nobody: retry while another apt/dpkg holds the lock.
apt_retry() {
  local tries=0
  until $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 "$@"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 5 ]; then return 1; fi
    echo "abw setup-webgpu: apt-get failed (lock held by another process?); retrying in 20 s" >&2
    sleep 20
  done
}

if [ -n "$backports" ]; then
  list=/etc/apt/sources.list.d/bookworm-backports.sources
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "abw setup-webgpu: adding $list"
    $sudo tee "$list" >/dev/null <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
fi

echo "abw setup-webgpu: installing mesa-vulkan-drivers and libvulkan1${backports:+ from $backports}"
apt_retry update -qq
if [ -n "$backports" ]; then
  apt_retry install -y -qq --no-install-recommends -t "$backports" mesa-vulkan-drivers libvulkan1 >/dev/null
else
  apt_retry install -y -qq --no-install-recommends mesa-vulkan-drivers libvulkan1 >/dev/null
fi
echo "abw setup-webgpu: installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
