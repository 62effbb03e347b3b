/**
 * One request written byte for byte over TCP (`Connection: close` or HTTP/1.0 expected), for what
 * fetch() would normalise away: several header lines of one name, HTTP/1.0 without Host, a short or
 * empty Host, absolute-form targets, paths with dot segments or odd escapes. Resolves with the whole
 * answer once the server closes the connection.
 *
 *   const answer = await rawHttp("127.0.0.1", port, "GET /lc/x HTTP/1.0\r\n\r\n");
 *   statusOf(answer) // 200
 */
export async function rawHttp(hostname: string, port: number, request: string): Promise<string> {
  const { promise, resolve } = Promise.withResolvers<string>();
  let buffer = "";
  const decoder = new TextDecoder();
  const socket = await Bun.connect({
    hostname,
    port,
    socket: {
      data(_s, chunk) {
        buffer += decoder.decode(chunk, { stream: true });
      },
      close() {
        resolve(buffer);
      },
    },
  });
  socket.write(request);
  return promise;
}

/** The status code of a raw HTTP/1.x answer (0 when there is none). */
export function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? "0");
}
