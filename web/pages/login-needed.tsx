// Shown without a session: how to get one.
export function LoginNeeded() {
  return (
    <>
      <h1>Log in to the Drover web view</h1>
      <p>This browser has no session with the head (or it expired).</p>
      <p>On the cluster, as yourself, run:</p>
      <pre class="command">drover web login</pre>
      <p>
        It prints a one-time address; open it in this browser. It logs you in as the Unix user who ran the
        command, for 12 hours.
      </p>
    </>
  );
}
