// How the head starts a node's agent over SSH. With `drover node add --agent-cmd CMD`: CMD's
// words. Without it: this head's own installation (its node and dist/cli/drover.js, as for the
// local node) when the node has both at the same paths (a shared /opt, an image), else `drover`
// from the node's login PATH. /bin/sh decides on the node; the paths and the agent's arguments
// reach it as positional parameters, never spliced into its script.
import type { StoredNode } from '../db/nodes-table.js';

/** $1 = node, $2 = drover.js, then the agent's arguments. */
const PICK_INSTALL = 'if [ -x "$1" ] && [ -f "$2" ]; then exec "$@"; fi; shift 2; exec drover "$@"';

/**
 * The argv that runs `drover` on the node (the agent's arguments follow it).
 * `local` is how this head runs `drover` itself: [node, …/dist/cli/drover.js].
 */
export function nodeDroverCommand(node: Pick<StoredNode, 'agentCmd'>, local: string[]): string[] {
  if (node.agentCmd) return node.agentCmd.split(/\s+/).filter(Boolean);
  const [nodeJs, drover] = local;
  if (!nodeJs || !drover || local.length !== 2) return ['drover'];
  return ['/bin/sh', '-c', PICK_INSTALL, 'drover', nodeJs, drover];
}

/** What to do when a node's agent does not start: said by `drover node add`. */
export function agentStartHint(node: Pick<StoredNode, 'name' | 'agentCmd'>, local: string[]): string {
  const readd = `drover node remove ${node.name}, then add it again with --agent-cmd`;
  if (node.agentCmd)
    return `the node runs \`${node.agentCmd} agent --state-dir DIR --ensure\` over SSH: check that command there, or ${readd} "CMD" (e.g. "node /opt/drover/dist/cli/drover.js")`;
  const [nodeJs, drover] = local;
  return (
    `without --agent-cmd the node runs this head's installation (${nodeJs} ${drover}) when both paths exist there, else \`drover\` from its login PATH. ` +
    `Install Drover on the node at the same path (or share that directory) or with \`npm i -g\`, and the node comes up by itself; ` +
    `or ${readd} "node /path/to/drover/dist/cli/drover.js"`
  );
}
