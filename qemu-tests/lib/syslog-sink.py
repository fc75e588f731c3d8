#!/usr/bin/env python3
"""syslog-sink.py SOCKET LOGFILE — a minimal syslog receiver for one lab node.

Binds a Unix datagram socket at SOCKET (the lab bind-mounts its directory over /dev inside the mount
namespace of a daemon that can only log to /dev/log, e.g. in.tftpd) and appends every message to LOGFILE
with a timestamp. Runs until SIGTERM/SIGINT; removes SOCKET on exit."""
import os
import signal
import socket
import sys
import time


def main():
    path, logfile = sys.argv[1], sys.argv[2]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)  # daemons log after dropping privileges
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    with open(logfile, "a", buffering=1) as out:
        out.write(time.strftime("%H:%M:%S") + " syslog-sink: listening on " + path + "\n")
        try:
            while True:
                msg = s.recv(65536).decode("utf-8", "replace").rstrip("\n\0")
                t = time.time()
                # strip the "<PRI>" prefix; keep the rest (it names the program and pid)
                if msg.startswith("<") and ">" in msg[:5]:
                    msg = msg[msg.index(">") + 1:]
                out.write("%s.%03d %s\n" % (time.strftime("%H:%M:%S", time.localtime(t)), int(t * 1000) % 1000, msg))
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass


if __name__ == "__main__":
    main()
