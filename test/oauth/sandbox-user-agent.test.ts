/**
 * The sandbox's user agent (`followAuthorization`) against a server that resets connections: a GET whose socket
 * is reset before any answer is sent again once, as a browser does with a kept-alive socket the server closed.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { followAuthorization } from '../../src/sandbox';

const REDIRECT_URI = 'https://keyway.example/oauth/callback';

let server: Server;
let base: string;
let resetsLeft = 0;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    if (resetsLeft > 0) {
      resetsLeft -= 1;
      req.socket.resetAndDestroy();
      return;
    }
    res.writeHead(302, { location: `${REDIRECT_URI}?code=c1&state=s1` }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = 0;
});

it('sends a GET whose connection was reset once more and follows the answer', async () => {
  resetsLeft = 1;
  const callback = await followAuthorization(`${base}/authorize`, { redirectUri: REDIRECT_URI });
  expect(callback).toBe(`${REDIRECT_URI}?code=c1&state=s1`);
  expect(requests).toBe(2);
});

it('sends it only once more: a second reset is the caller’s error', async () => {
  resetsLeft = 2;
  await expect(followAuthorization(`${base}/authorize`, { redirectUri: REDIRECT_URI })).rejects.toThrow(
    'fetch failed',
  );
  expect(requests).toBe(2);
});
