#!/bin/bash
# Starts sshd for one user, configured from the environment:
#   SFTP_USER            login name (default storage; not an existing system user such as "backup")
#   SFTP_UID             its uid and gid (default 1000); it owns /data
#   SFTP_PASSWORD        its password; password logins are refused when unset
#   SFTP_AUTHORIZED_KEY  a public key line for ~/.ssh/authorized_keys (optional)
#   /etc/ssh/host/ssh_host_ed25519_key   host key (mount it to pin it); generated when missing
# sshd logs to stderr (docker logs) and runs as PID 1.
set -euo pipefail

user="${SFTP_USER:-storage}"
uid="${SFTP_UID:-1000}"
if [ "$(id -u "$user" 2>/dev/null)" != "$uid" ]; then
  if id "$user" >/dev/null 2>&1; then
    echo "SFTP_USER '$user' exists in the image with another uid; choose another name" >&2
    exit 1
  fi
  groupadd --gid "$uid" "$user"
  useradd --uid "$uid" --gid "$uid" --home-dir "/home/$user" --create-home --shell /bin/bash "$user"
fi
if [ -n "${SFTP_PASSWORD:-}" ]; then
  echo "$user:$SFTP_PASSWORD" | chpasswd
else
  # '*' matches no password; `passwd -l` ('!') would make sshd refuse key logins too (without PAM).
  usermod -p '*' "$user"
fi
install -d -o "$user" -g "$user" -m 0700 "/home/$user/.ssh"
if [ -n "${SFTP_AUTHORIZED_KEY:-}" ]; then
  printf '%s\n' "$SFTP_AUTHORIZED_KEY" > "/home/$user/.ssh/authorized_keys"
  chown "$user:$user" "/home/$user/.ssh/authorized_keys"
  chmod 0600 "/home/$user/.ssh/authorized_keys"
fi
chown "$user:$user" /data

key=/etc/ssh/host/ssh_host_ed25519_key
if [ ! -f "$key" ]; then
  install -d -m 0755 /etc/ssh/host
  ssh-keygen -q -t ed25519 -N '' -f "$key"
fi
# sshd refuses a host key others may read; a mounted one is copied so its mode can be fixed.
install -m 0600 "$key" /etc/ssh/ssh_host_ed25519_key

cat > /etc/ssh/sshd_config <<CONFIG
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication $([ -n "${SFTP_PASSWORD:-}" ] && echo yes || echo no)
KbdInteractiveAuthentication no
UsePAM no
AllowUsers $user
Subsystem sftp internal-sftp
LogLevel INFO
CONFIG

exec /usr/sbin/sshd -D -e
