# shellcheck shell=sh
# %preun scriptlet for the deskwoot .rpm (run by /bin/sh; cargo-generate-rpm
# embeds this file as pre_uninstall_script).
# $1 is the number of deskwoot packages left after this transaction:
# 0 when it is being removed, 1 or more during an upgrade.
# Mirrors rpmbuild's %systemd_preun: on removal, stop (SIGTERM: requests
# finish, the SQLite WAL is checkpointed) and disable the service. On upgrade
# nothing happens here; post-uninstall restarts it.

if [ "$1" -eq 0 ]; then
    systemctl --no-reload disable --now deskwoot.service >/dev/null 2>&1 || :
fi

exit 0
