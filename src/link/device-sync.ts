// The device URL's side of the link (docs/e2e-protocol.md "URLs"): the relay is told the hashes of the device URL's
// credentials (PUT /api/daemon/device) at every connect and whenever `rcd url --device` changes them, and every
// session PUT carries the session's content keys sealed under the device URL's wrap key, so one URL opens them all.
import { fromBase64url } from '../e2e/encoding.js';
import { wrapKeys } from '../e2e/envelope.js';
import { controlKeys } from '../e2e/keys.js';
import { DEVICE_URL_ENVELOPE } from '../e2e/records.js';
import type { DeviceAccessStore } from '../store/device-access.js';
import type { AccessWaits } from './access-waits.js';
import { HttpError, type RelayHttp } from './http.js';

/** Waits for the device URL's access are kept with the sessions' (ids are 16 hex digits: no clash). */
export const DEVICE_WAIT = 'device';

/** Tells the relay the device URL's current access; a refusal (a retired hash) ends waits on it with the reason. */
export async function pushDevice(http: RelayHttp, devices: DeviceAccessStore, waits: AccessWaits, signal: AbortSignal, timeoutMs: number): Promise<void> {
  const a = devices.get();
  if (!a) return; // never issued: nothing to tell
  const current = devices.current();
  const access = current ? { tokenHash: current.tokenHash, readHash: a.readHash, expiresAt: a.expiresAt } : null;
  try {
    await http.call('PUT', 'api/daemon/device', { access }, null, { signal, timeoutMs });
  } catch (err) {
    if (!(err instanceof HttpError && err.refusesSession)) throw err;
    waits.refuse(DEVICE_WAIT, err.message);
    return;
  }
  devices.markSynced(a.tokenHash);
  waits.accepted(DEVICE_WAIT);
}

/** A session's content keys sealed for the device URL, or null when there is no device URL. */
export async function deviceEnvelope(devices: DeviceAccessStore, sessionId: string, keys: readonly { epoch: number; key: string; from: number }[]): Promise<string | null> {
  const current = devices.current();
  if (!current) return null;
  const { wrapKey } = await controlKeys(fromBase64url(current.token));
  return wrapKeys(wrapKey, keys.map((k) => ({ epoch: k.epoch, raw: fromBase64url(k.key), from: k.from })), sessionId, DEVICE_URL_ENVELOPE);
}
