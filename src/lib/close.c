/* SPDX-License-Identifier: MIT */
/*
 * close(2), exported by libringer only (src/lib/pollwrap.c does the work):
 * a plain close of an engine ring fd releases the ring, as on the kernel.
 */
int ringer__close_wrapped(int fd);

__attribute__((visibility("default"))) int close(int fd)
{
	return ringer__close_wrapped(fd);
}
