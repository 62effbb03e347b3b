/**
 * @simplewebauthn/server, loaded on the first ceremony rather than at start: it pulls in the ASN.1, X.509 and
 * dependency-injection libraries (@peculiar/*, asn1js, tsyringe, reflect-metadata), several MB of resident memory
 * that an idle server does not need (issue 6: idle RSS).
 */
type Library = typeof import("@simplewebauthn/server");

let library: Promise<Library> | undefined;

export function webauthnLibrary(): Promise<Library> {
  return (library ??= import("@simplewebauthn/server"));
}
