#!/usr/bin/env bash
# Install the Debian packages tests need, only where they are missing.
# `system-deps.sh build`: only what `pip install -r requirements.lock` needs to build
# (python-ldap's headers); without an argument also the simulators', browser's and slapd.
set -euo pipefail
need=()
[ -f /usr/include/ldap.h ] || need+=(libldap2-dev)
[ -f /usr/include/sasl/sasl.h ] || need+=(libsasl2-dev)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
if [ "${1:-}" != build ]; then
  command -v go >/dev/null 2>&1 || need+=(golang-go)
  [ -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ] || need+=(golang-github-vmware-govmomi-dev)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # OpenLDAP's server and tools for the directory-login tests (tests/peers/slapd.py).
  [ -x /usr/sbin/slapd ] || need+=(slapd)
  command -v ldapadd >/dev/null 2>&1 || need+=(ldap-utils)
  # rsyslog with its TLS module, the SIEM forwarding peer (tests/peers/rsyslog.py).
  [ -x /usr/sbin/rsyslogd ] && [ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so ] || need+=(rsyslog rsyslog-openssl)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "missing Debian packages: ${need[*]}; install them with: apt-get install ${need[*]}" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
