// Preloaded with `node --import` to prove a command works offline: any attempt to open a connection fails loudly.
import net from 'node:net';

const refuse = () => {
  throw new Error('network access attempted by a command that must work offline');
};
net.connect = refuse;
net.createConnection = refuse;
net.Socket.prototype.connect = refuse;
globalThis.fetch = refuse;
