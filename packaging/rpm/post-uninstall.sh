# shellcheck shell=sh
# %postun scriptlet for the deskwoot .rpm (run by /bin/sh; cargo-generate-rpm
# embeds this file as post_uninstall_script).
# $1 is the number of deskwoot packages left after this transaction:
# 0 when it was removed, 1 or more after an upgrade.
# Mirrors rpmbuild's %systemd_postun_with_restart.
#
# Data is never deleted: /var/lib/deskwoot (database and attachments) and the
# deskwoot account stay after `rpm -e`/`dnf remove`. RPM has no "purge";
# remove them by hand (`rm -rf /var/lib/deskwoot; userdel deskwoot`) once you
# are sure, after a backup. A modified /etc/deskwoot/config.toml is kept as
# config.toml.rpmsave.

if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi

if [ "$1" -ge 1 ]; then
    # Upgrade: restart the service if it is running, on the new binary.
    systemctl try-restart deskwoot.service >/dev/null 2>&1 || :
fi

exit 0
