#!/usr/bin/env python3
"""Time from start to the first frame that shows PATTERN, for a program run in a pseudo-terminal.

usage: pty-first-frame.py PATTERN COMMAND [ARGS...]   (prints milliseconds, then kills the program)
The terminal is 100x30, as a person's; CI=false so Ink draws. Exit 1 when the pattern never shows (60 s).
"""
import fcntl, os, pty, select, signal, struct, sys, termios, time

pattern = sys.argv[1].encode()
argv = sys.argv[2:]
started = time.monotonic()
pid, fd = pty.fork()
if pid == 0:
    os.environ['CI'] = 'false'
    os.environ.setdefault('TERM', 'xterm-256color')
    os.execvp(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 30, 100, 0, 0))
seen = b''
found = None
while time.monotonic() - started < 60:
    ready, _, _ = select.select([fd], [], [], 0.5)
    if not ready:
        continue
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if pattern in seen:
        found = (time.monotonic() - started) * 1000
        break
try:
    os.killpg(os.getpgid(pid), signal.SIGKILL)
except (ProcessLookupError, PermissionError):
    pass
try:
    os.waitpid(pid, 0)
except ChildProcessError:
    pass
if found is None:
    sys.stderr.write('pattern never shown: %r\n' % seen[-400:])
    sys.exit(1)
print('%.1f' % found)
