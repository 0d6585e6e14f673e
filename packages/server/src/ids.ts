// Identifier and time sources (secgroup-api.md §3.0): secgroup-[0-9a-z]{8}, lowercase UUID v4 rule ids,
// firewall-[0-9a-z]{8} (UNet firewalls; a default firewall's id is derived from its scope instead).
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import type { Clock, IdSource } from "./handlers/context.ts";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

function token(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

export const randomIds: IdSource = {
  secGroupId: () => `secgroup-${token(8)}`,
  ruleId: () => randomUUID(),
  firewallId: () => `firewall-${token(8)}`,
  privateKey: () => randomBytes(20).toString("hex"),
  publicKey: (userName) => `${userName}-${randomBytes(8).toString("hex")}`,
};

export const systemClock: Clock = { nowSeconds: () => Math.floor(Date.now() / 1000), nowMs: () => Date.now() };
