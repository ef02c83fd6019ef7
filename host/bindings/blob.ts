/**
 * Blob input and output. A path is `container/blob` (the blob name may have `/` in it). Input:
 * the blob's bytes (`dataType: 'string'`: its text), or nothing when it or its container does
 * not exist. Output: the value's bytes, written whole (a blob that exists is overwritten), the
 * container created when it does not exist.
 */
import type { StorageAccount } from './connections';
import { BindingError } from './errors';
import { statusOf } from './rpcData';

export interface BlobPath {
  container: string;
  blob: string;
}

const CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/** The container and blob of a resolved path; throws {@link BindingError} when it is not one. */
export function parseBlobPath(path: string): BlobPath {
  const slash = path.indexOf('/');
  const container = slash < 0 ? '' : path.slice(0, slash);
  const blob = slash < 0 ? '' : path.slice(slash + 1);
  if (!container || !blob) {
    throw new BindingError(
      `Invalid blob path specified : '${path}'. Blob identifiers must be in the format 'container/blob'.`,
      false,
    );
  }
  if (!CONTAINER.test(container)) {
    throw new BindingError(
      `Invalid container name: '${container}' (3-63 lowercase letters, digits and single dashes, starting and ending with a letter or digit)`,
      false,
    );
  }
  if (blob.length > 1024)
    throw new BindingError(`Invalid blob name: '${blob.slice(0, 40)}…' is over 1024 characters`, false);
  return { container, blob };
}

/** The blob's content, or undefined when it (or its container) does not exist. */
export async function readBlob(account: StorageAccount, path: BlobPath): Promise<Buffer | undefined> {
  const client = account.blobs().getContainerClient(path.container).getBlobClient(path.blob);
  try {
    return await client.downloadToBuffer();
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Writes the blob, creating its container when it does not exist. */
export async function writeBlob(account: StorageAccount, path: BlobPath, content: Buffer): Promise<void> {
  const container = account.blobs().getContainerClient(path.container);
  const blob = container.getBlockBlobClient(path.blob);
  try {
    await blob.uploadData(content);
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    await container.createIfNotExists();
    await blob.uploadData(content);
  }
}
