// Libc.write: the command line's stdout goes through it (no node:fs).
import assert from "node:assert/strict";
import { test } from "../helpers/harness.ts";
import { loadLibc } from "../../ffi/mod.ts";

const O_WRONLY = 1, O_CLOEXEC = 0x80000;
const EBADF = 9;

test("Libc.write writes the first `length` bytes, refuses a length outside the buffer, and gives -errno", async () => {
  const libc = await loadLibc();
  const data = new Uint8Array(new ArrayBuffer(100_000)).fill(0x61);
  const fd = libc.open("/dev/null", O_WRONLY | O_CLOEXEC);
  assert.ok(fd >= 0, `open: ${fd}`);
  try {
    assert.equal(libc.write(fd, data), 100_000);
    assert.equal(libc.write(fd, data, 10), 10);
    assert.equal(libc.write(fd, data, 0), 0);
    assert.throws(() => libc.write(fd, data, 100_001), RangeError);
    assert.throws(() => libc.write(fd, data, -1), RangeError);
  } finally {
    libc.close(fd);
  }
  assert.equal(libc.write(fd, data, 1), -EBADF); // closed
});
