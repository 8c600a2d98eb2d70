#!/usr/bin/env bash
# Installs the Debian packages the test suite talks to (the real Caddy as the
# reference, curl as a client, Pebble for ACME, wrk/h2load for benchmarks,
# nginx as the proxy benchmark's backend, php-fpm for the FastCGI transport).
# Idempotent: does nothing when everything is already there.
set -euo pipefail
need=()
command -v caddy >/dev/null || need+=(caddy)
command -v curl >/dev/null || need+=(curl)
command -v pebble >/dev/null || need+=(pebble)
command -v wrk >/dev/null || need+=(wrk)
command -v h2load >/dev/null || need+=(nghttp2-client)
command -v nginx >/dev/null || need+=(nginx-light)
command -v openssl >/dev/null || need+=(openssl)
command -v php-fpm8.2 >/dev/null || need+=(php8.2-fpm)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "tsweb tests need these Debian packages: ${need[*]} (run as root, or install them)" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
# Debian's caddy and nginx packages start services on :80; the tests start their own.
if command -v systemctl >/dev/null 2>&1; then systemctl stop caddy nginx php8.2-fpm 2>/dev/null || true; fi
