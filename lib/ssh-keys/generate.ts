import ssh2 from "ssh2";

/** An ed25519 key pair in OpenSSH format: the private key file and the public key line. */
export interface Ed25519KeyPair {
  private: string;
  public: string;
}

/**
 * Generates an ed25519 key pair. ssh2's generator (1.17.0) drops a leading zero byte of the public
 * key about once in 330 keys, which leaves a pair neither ssh2 nor OpenSSH can load ("Malformed
 * OpenSSH private key", "error in libcrypto"): such a pair is thrown away and made again. For the
 * relay's host key this matters: a broken key is saved on first start and every start fails.
 */
export function generateEd25519KeyPair(comment?: string): Ed25519KeyPair {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync("ed25519", comment === undefined ? undefined : { comment });
    if (
      !(ssh2.utils.parseKey(pair.private) instanceof Error) &&
      !(ssh2.utils.parseKey(pair.public) instanceof Error)
    )
      return pair;
  }
  throw new Error("could not generate a usable ed25519 key pair");
}
