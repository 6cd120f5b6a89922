// What keeps a rank's process alive. Its sockets and listeners do not (mpi/transport.ts unrefs
// them), so that a program that ends without finalize exits and the launcher reports it; one timer
// does while anything waits on another rank (a receive, a probe, finalize).

function idle(): void {}

export class KeepAlive {
  private readonly timer = setInterval(idle, 1 << 30).unref();
  private waits = 0;

  hold(): void {
    if (this.waits++ === 0) this.timer.ref();
  }

  release(): void {
    if (--this.waits === 0) this.timer.unref();
  }
}
