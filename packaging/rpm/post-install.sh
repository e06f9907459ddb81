# shellcheck shell=sh
# %post scriptlet for the deskwoot .rpm (run by /bin/sh; cargo-generate-rpm
# embeds this file as post_install_script).
# $1 is the number of deskwoot packages installed after this transaction:
# 1 on a first install, 2 or more on an upgrade.
# It mirrors what rpmbuild's %sysusers_create, %tmpfiles_create and
# %systemd_post macros would add. Every step is idempotent.

STATE_DIR=/var/lib/deskwoot
CONFIG=/etc/deskwoot/config.toml

# The system account, from /usr/lib/sysusers.d/deskwoot.conf.
if ! getent passwd deskwoot >/dev/null 2>&1; then
    if command -v systemd-sysusers >/dev/null 2>&1; then
        systemd-sysusers /usr/lib/sysusers.d/deskwoot.conf || exit 1
    else
        useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
            --shell /sbin/nologin --comment "Deskwoot customer support server" \
            deskwoot || exit 1
    fi
fi

# The state directory, from /usr/lib/tmpfiles.d/deskwoot.conf (StateDirectory=
# would create it only when the service first starts).
if command -v systemd-tmpfiles >/dev/null 2>&1; then
    systemd-tmpfiles --create /usr/lib/tmpfiles.d/deskwoot.conf || :
fi
if [ ! -d "$STATE_DIR" ]; then
    mkdir -p "$STATE_DIR" && chown deskwoot:deskwoot "$STATE_DIR" && chmod 0750 "$STATE_DIR"
fi

if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi

if [ "$1" -eq 1 ]; then
    # First install: enable or not as the distribution's presets say (most
    # RPM distributions leave new services disabled); never start here.
    systemctl --no-reload preset deskwoot.service >/dev/null 2>&1 || :
    if [ ! -f "$STATE_DIR/deskwoot.db" ]; then
        cat <<MSG
Deskwoot is installed but not started.
  1. Review $CONFIG (it listens on 127.0.0.1:3000).
  2. Create the first administrator (you are asked for a password):
       runuser -u deskwoot -- deskwoot --config $CONFIG setup \\
           --workspace "My company" --name "Your Name" --email you@example.com
  3. Start it now and at boot:  systemctl enable --now deskwoot
After any change to $CONFIG run: systemctl restart deskwoot
MSG
    fi
fi

exit 0
