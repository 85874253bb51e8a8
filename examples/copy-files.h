/* SPDX-License-Identifier: MIT */
/*
 * What ringer-cp and link-cp share besides the ring: the command line, and
 * opening and closing the two files of a copy.
 */
#ifndef RINGER_EXAMPLES_COPY_FILES_H
#define RINGER_EXAMPLES_COPY_FILES_H

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ringer-cli.h"

/* A queue depth in [1, max]: 0, or -1 for anything else. */
static inline int parse_depth(const char *arg, unsigned max, unsigned *depth)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || (unsigned long)v > max)
		return -1;
	*depth = (unsigned)v;
	return 0;
}

/*
 * The command line of both: [-d DEPTH] SRC DST, DEPTH in [1, max], or -h,
 * --help, --version.  0 with *src, *dst and (with -d) *depth set; 1 to exit
 * 0 after the help or the version (stdout); 2 to exit 2 after a usage error
 * (one line and a hint on stderr).
 */
static inline int parse_copy_args(int argc, char **argv, const char *prog, unsigned max,
				  void (*help)(void), unsigned *depth, const char **src,
				  const char **dst)
{
	static const struct option longopts[] = {
		{ "depth", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":d:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (parse_depth(optarg, max, depth))
				return ringer_cli_bad(prog, "bad depth", optarg);
			break;
		case 'h':
			help();
			return 1;
		case 'V':
			ringer_cli_version(prog);
			return 1;
		case ':':
			return ringer_cli_bad(prog, "option needs a value", argv[optind - 1]);
		default:
			return ringer_cli_bad(prog, "unknown option", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		return ringer_cli_bad(prog, argc == optind ? "missing SRC and DST" : "missing DST",
				      NULL);
	if (argc - optind > 2)
		return ringer_cli_bad(prog, "one SRC and one DST only; extra operand",
				      argv[optind + 2]);
	*src = argv[optind];
	*dst = argv[optind + 1];
	return 0;
}

/*
 * Open src for reading and dst for writing (created with src's mode,
 * truncated).  src must be a regular file, and dst must not be src itself:
 * O_TRUNC would lose it before it is read.  0 with *in_fd, *out_fd and *size
 * set; -1 after printing why (*in_fd may be open: the caller closes it).
 */
static inline int open_copy_files(const char *prog, const char *src, const char *dst,
				  int *in_fd, int *out_fd, unsigned long long *size)
{
	struct stat st, dst_st;

	*in_fd = open(src, O_RDONLY);
	if (*in_fd < 0 || fstat(*in_fd, &st) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, src, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s: not a regular file\n", prog, src);
		return -1;
	}
	*size = (unsigned long long)st.st_size;
	if (!stat(dst, &dst_st) && dst_st.st_dev == st.st_dev && dst_st.st_ino == st.st_ino) {
		fprintf(stderr, "%s: %s and %s are the same file\n", prog, src, dst);
		return -1;
	}
	*out_fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 0777);
	if (*out_fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dst, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Close the two files (-1: not open).  A failed close of dst fails a copy
 * that had succeeded (written data may be lost): the exit status, status or
 * 1 then.
 */
static inline int close_copy_files(const char *prog, const char *dst, int in_fd, int out_fd,
				   int status)
{
	if (out_fd >= 0 && close(out_fd) < 0 && status == 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dst, strerror(errno));
		status = 1;
	}
	if (in_fd >= 0)
		close(in_fd);
	return status;
}

#endif /* RINGER_EXAMPLES_COPY_FILES_H */
