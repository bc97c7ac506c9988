import { describe, expect, it } from 'vitest';
import { commands } from './commands.js';

describe('command table', () => {
  it("gives each command's synopsis as the first line of its usage, and loads the command", async () => {
    for (const [name, entry] of Object.entries(commands)) {
      const command = await entry.load();
      expect(typeof command.run, name).toBe('function');
      expect(command.usage.split('\n')[0], name).toBe(entry.synopsis);
    }
  });
});
