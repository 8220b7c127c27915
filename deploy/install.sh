#!/usr/bin/env bash
# Installs Concord on a Debian host with systemd: binaries, systemd units, sysusers and
# tmpfiles entries, example configuration (never overwriting yours), man pages and shell
# completions. Prints the next steps.
#
#   deploy/install.sh [--bin-dir DIR] [--prefix /usr/local]        install (builds release
#                                                                  binaries unless --bin-dir)
#   deploy/install.sh --uninstall [--prefix /usr/local]            remove the program; keep
#                                                                  /etc/concord and /var/lib data
#
# DESTDIR=/some/root installs under a staging root (tests, packaging); nothing is started
# and no user is created then.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
bin_dir=""
uninstall=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --bin-dir) bin_dir=$2; shift 2 ;;
    --uninstall) uninstall=true; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
root=${DESTDIR:-}
tools=(concord-hub concord-agent concordctl)
unitdir=$root/etc/systemd/system
# systemd reads sysusers.d and tmpfiles.d from /usr/lib, /usr/local/lib and /etc only.
case "$prefix" in
  /usr|/usr/local) sysdir=$prefix/lib ;;
  *) sysdir=/etc ;;
esac
sysusersdir=$root$sysdir/sysusers.d
tmpfilesdir=$root$sysdir/tmpfiles.d
mandir=$root$prefix/share/man/man1
confdir=$root/etc/concord

if $uninstall; then
  if [[ -z "$root" ]] && command -v systemctl >/dev/null; then
    systemctl disable --now concord-hub.service concord-agent.service 2>/dev/null || true
  fi
  for t in "${tools[@]}"; do rm -f "$root$prefix/bin/$t" "$mandir/$t.1" \
    "$root$prefix/share/bash-completion/completions/$t" "$root$prefix/share/zsh/site-functions/_$t" \
    "$root$prefix/share/fish/vendor_completions.d/$t.fish"; done
  rm -f "$unitdir/concord-hub.service" "$unitdir/concord-hub@.service" "$unitdir/concord-agent.service" \
    "$root$prefix/share/concord/nginx-concord-hub.conf" \
    "$sysusersdir/concord.conf" "$tmpfilesdir/concord.conf"
  [[ -z "$root" ]] && command -v systemctl >/dev/null && systemctl daemon-reload || true
  echo "Concord removed. Kept: /etc/concord (configuration, credentials), /var/lib/concord-hub and"
  echo "/var/lib/concord-agent (data), /var/backups/concord-hub, and the users concord-hub, concord-agent."
  exit 0
fi

if [[ -z "$bin_dir" ]]; then
  # The Swift standard library and Foundation are linked in, so hosts need no Swift
  # toolchain (only Debian's libcurl4 and libsqlite3-0); a separate build folder keeps these
  # flags from rebuilding the developer's .build.
  echo "Building release binaries (several minutes the first time)..."
  flags=(-c release --static-swift-stdlib --scratch-path .build-install)
  for t in "${tools[@]}"; do swift build "${flags[@]}" --product "$t" >/dev/null; done
  bin_dir=$(swift build "${flags[@]}" --show-bin-path)
fi
for t in "${tools[@]}"; do
  [[ -x "$bin_dir/$t" ]] || { echo "install.sh: $bin_dir/$t is missing; build first or give --bin-dir" >&2; exit 1; }
done

install -d -m 0755 "$root$prefix/bin" "$unitdir" "$sysusersdir" "$tmpfilesdir" "$mandir" \
  "$root$prefix/share/bash-completion/completions" "$root$prefix/share/zsh/site-functions" \
  "$root$prefix/share/fish/vendor_completions.d"
for t in "${tools[@]}"; do
  install -m 0755 "$bin_dir/$t" "$root$prefix/bin/$t"
  install -m 0644 "docs/man/$t.1" "$mandir/$t.1"
  install -m 0644 "completions/$t.bash" "$root$prefix/share/bash-completion/completions/$t"
  install -m 0644 "completions/_$t" "$root$prefix/share/zsh/site-functions/_$t"
  install -m 0644 "completions/$t.fish" "$root$prefix/share/fish/vendor_completions.d/$t.fish"
done
for u in concord-hub concord-agent; do
  sed "s#/usr/local/bin/#$prefix/bin/#" "deploy/systemd/$u.service" > "$unitdir/$u.service"
  chmod 0644 "$unitdir/$u.service"
done
# The scaled-out hub (docs/operations.md §12): one instance per port, all on one PostgreSQL
# database, made from the same unit so that both keep the same hardening.
sed -e "s#/usr/local/bin/#$prefix/bin/#" \
  -e 's#^Description=.*#Description=Concord hub process on port %i (one of several on PostgreSQL)#' \
  -e 's#^\(ExecStart=.*\)$#\1 --port %i#' \
  -e 's#^\(LoadCredential=tls-key:.*\)$#\1\nLoadCredential=db-password:/etc/concord/credentials/hub-db-password#' \
  deploy/systemd/concord-hub.service > "$unitdir/concord-hub@.service"
chmod 0644 "$unitdir/concord-hub@.service"
install -d -m 0755 "$root$prefix/share/concord"
install -m 0644 deploy/nginx/concord-hub.conf "$root$prefix/share/concord/nginx-concord-hub.conf"
install -m 0644 deploy/sysusers.d/concord.conf "$sysusersdir/concord.conf"
install -m 0644 deploy/tmpfiles.d/concord.conf "$tmpfilesdir/concord.conf"

# Example configuration: always refreshed; real configuration: only if absent.
install -d -m 0755 "$confdir"
install -d -m 0700 "$confdir/credentials"
install -m 0644 config/hub.example.json "$confdir/hub.example.json"
install -m 0644 config/agent.example.json "$confdir/agent.example.json"
[[ -e "$confdir/rag-schemes.json" ]] || install -m 0644 config/rag-schemes.json "$confdir/rag-schemes.json"

if [[ -z "$root" ]] && command -v systemctl >/dev/null; then
  systemd-sysusers "$sysusersdir/concord.conf"
  systemd-tmpfiles --create "$tmpfilesdir/concord.conf"
  systemctl daemon-reload
fi

cat <<NEXT
Concord is installed in $root$prefix/bin, units in $unitdir.

Next steps (docs/operations.md has the details):
  Hub host:
    sudo install -d -o concord-hub -g concord-hub -m 0700 /var/lib/concord-hub
    sudo -u concord-hub concord-hub init --data-dir /var/lib/concord-hub --hostname hub.example.org
    sudo install -m 0600 /var/lib/concord-hub/tls/server-key.pem /etc/concord/credentials/hub-tls-key.pem
    sudo install -m 0644 /var/lib/concord-hub/hub.json /etc/concord/hub.json    # then edit if needed
    sudo systemctl enable --now concord-hub
    sudo concordctl hub agencies add police --name "Northshire Police" --hub https://hub.example.org:8443 \\
        --token-file /var/lib/concord-hub/admin.token --ca-file /var/lib/concord-hub/tls/ca.pem
  Agency host:
    put the agency's token in /etc/concord/credentials/agent-hub.token (0600) and the hub's CA in
    /etc/concord/hub-ca.pem, write /etc/concord/agent.json from agent.example.json, then
    sudo systemctl enable --now concord-agent
    sudo usermod -aG concord STAFF-USER      # who may run concordctl
NEXT
