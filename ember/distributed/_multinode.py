"""Several nodes without ssh, torchrun style: the same command on every node, each with its --node-rank.

Node 0 runs MPICH's `mpiexec -launcher manual` (its control port is master_port + 1) and serves, on
master_port, each other node the command that starts that node's MPI proxy; node 0 runs proxy 0 itself.
The ranks' output is gathered by mpiexec on node 0. Every attempt (see --max-restarts) repeats the exchange.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

from ._job import Job

_HELLO = "ember-node"


def run(args, mpiexec, env, nnodes, nproc, rank_cmd, attempts):
    port = int(env["MASTER_PORT"])
    addr = env["MASTER_ADDR"]
    wait = 300.0 if args.timeout is None else args.timeout
    if args.node_rank == 0:
        return _Master(args, mpiexec, env, nnodes, nproc, rank_cmd, addr, port, wait).run(attempts)
    return _worker(args, mpiexec, env, addr, port, wait)


def _send_line(sock, text):
    sock.sendall((text + "\n").encode())


def _recv_line(sock):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode().strip()


def _local_proxy(cmd: str, mpiexec: str) -> list[str]:
    parts = cmd.split()
    mine = os.path.join(os.path.dirname(mpiexec), "hydra_pmi_proxy")
    if os.path.exists(mine):        # this node's copy of the proxy (paths may differ between nodes)
        parts[0] = mine
    return parts


class _Master:
    def __init__(self, args, mpiexec, env, nnodes, nproc, rank_cmd, addr, port, wait):
        self.args, self.mpiexec, self.env, self.nnodes = args, mpiexec, env, nnodes
        self.nproc, self.rank_cmd, self.addr, self.port, self.wait = nproc, rank_cmd, addr, port, wait
        self.server = socket.create_server(("", port), reuse_port=False)
        self.server.settimeout(0.5)
        self.proxy = None

    def run(self, attempts):
        code = 1
        try:
            code = attempts(self._start, self.env, self.args)
        finally:
            self._finish(code)
        return code

    def _start(self, env):
        """One attempt: the manual mpiexec, the proxy commands handed out, proxy 0 started here."""
        hosts = ",".join(f"ember-node-{i}:{self.nproc}" for i in range(self.nnodes))
        env = dict(env, MPIEXEC_PORT_RANGE=f"{self.port + 1}:{self.port + 1}")
        cmd = [self.mpiexec, "-launcher", "manual", "-localhost", self.addr, "-hosts", hosts,
               "-n", str(self.nnodes * self.nproc)] + self.rank_cmd
        self.launch = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True,
                                       start_new_session=True)
        lines = []
        for line in self.launch.stdout:
            if line.startswith("HYDRA_LAUNCH_END"):
                break
            if line.startswith("HYDRA_LAUNCH:"):
                lines.append(line.split(":", 1)[1].strip())
            else:
                sys.stdout.write(line)
        if len(lines) != self.nnodes:
            raise SystemExit(f"ember-run: mpiexec gave {len(lines)} proxy commands for {self.nnodes} nodes")
        threading.Thread(target=self._copy_output, daemon=True).start()
        self._hand_out(lines[1:])
        self.proxy = subprocess.Popen(_local_proxy(lines[0], self.mpiexec), env=env, start_new_session=True)
        return Job(self.launch, [self.proxy])

    def _copy_output(self):
        for line in self.launch.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()

    def _hand_out(self, commands):
        deadline = time.monotonic() + self.wait
        pending = set(range(1, self.nnodes))
        while pending:
            if time.monotonic() > deadline:
                raise SystemExit(f"ember-run: node(s) {sorted(pending)} did not connect to "
                                 f"{self.addr}:{self.port} within {self.wait:g} s")
            try:
                conn, _ = self.server.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(10)
                words = _recv_line(conn).split()
                if len(words) != 3 or words[0] != _HELLO or words[2] != self.env["TORCHELASTIC_RUN_ID"]:
                    _send_line(conn, "REFUSED wrong run id or not an ember node")
                    continue
                node = int(words[1])
                if node not in pending:
                    _send_line(conn, f"REFUSED node rank {node} is taken or out of range")
                    continue
                _send_line(conn, "RUN " + commands[node - 1])
                pending.discard(node)

    def _finish(self, code):
        # tell the nodes asking for another attempt that the job is over, and with which exit code
        deadline = time.monotonic() + 5
        told = set()
        while len(told) < self.nnodes - 1 and time.monotonic() < deadline:
            try:
                conn, _ = self.server.accept()
            except socket.timeout:
                continue
            with conn:
                words = _recv_line(conn).split()
                if len(words) == 3:
                    told.add(words[1])
                _send_line(conn, f"DONE {code}")
        self.server.close()
        for p in (self.proxy, getattr(self, "launch", None)):
            if p is not None and p.poll() is None:
                p.kill()


def _worker(args, mpiexec, env, addr, port, wait):
    code = 1
    while True:
        deadline = time.monotonic() + wait
        while True:
            try:
                sock = socket.create_connection((addr, port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    print(f"ember-run: could not reach node 0 at {addr}:{port} within {wait:g} s",
                          file=sys.stderr)
                    return 1
                time.sleep(0.2)
        with sock:
            _send_line(sock, f"{_HELLO} {args.node_rank} {env['TORCHELASTIC_RUN_ID']}")
            answer = _recv_line(sock)
        if answer.startswith("DONE"):
            return int(answer.split()[1])
        if not answer:
            return code
        if not answer.startswith("RUN "):
            print(f"ember-run: node 0 refused node {args.node_rank}: {answer}", file=sys.stderr)
            return 1
        proxy = subprocess.Popen(_local_proxy(answer[4:], mpiexec), env=env, start_new_session=True)
        code = proxy.wait()
        time.sleep(0.3)     # let node 0 notice the end of the attempt before asking for the next
