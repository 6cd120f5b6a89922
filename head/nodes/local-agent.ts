// The embedded local node: the agent daemon on this machine, reached through its Unix socket.
import type { Duplex } from 'node:stream';
import { agentPaths, openAgent } from '../../platform/agent-launcher.js';
import type { Transport } from './node-link.js';

export class LocalAgentTransport implements Transport {
  constructor(
    private readonly stateDir: string,
    /** the program and arguments that start `drover agent` */
    private readonly command: string[],
  ) {}

  describe(): string {
    return agentPaths(this.stateDir).socket;
  }

  open(): Promise<Duplex> {
    return openAgent(this.stateDir, this.command);
  }

  close(): void {}
}
