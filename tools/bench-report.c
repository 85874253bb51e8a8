/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench: the report: the table, its ratios, JSON and CSV.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ringer-bench.h"

/* Machine description, for the table header and the JSON. */
static char cpu_model[128] = "unknown";
static char kernel_rel[256] = "unknown";
static long ncpus;

void machine_info(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	struct utsname u;
	char line[256];

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "model name", 10)) {
			char *p = strchr(line, ':');

			if (p) {
				p++;
				while (*p == ' ' || *p == '\t')
					p++;
				p[strcspn(p, "\n")] = 0;
				snprintf(cpu_model, sizeof(cpu_model), "%s", p);
			}
			break;
		}
	}
	if (f)
		fclose(f);
	if (!uname(&u))
		snprintf(kernel_rel, sizeof(kernel_rel), "%s %s", u.sysname, u.release);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
}

void print_machine(void)
{
	printf("ringer-bench: %s, %ld CPUs, %s\n", cpu_model, ncpus, kernel_rel);
}

static const char *mode_name(const struct bench_cfg *c)
{
	if (c->mode == MODE_NOP)
		return "nop";
	if (c->mode == MODE_READ)
		return c->random ? "randread" : "read";
	return c->random ? "randwrite" : "write";
}

void describe(const struct opts *o, char *buf, size_t len)
{
	const struct bench_cfg *c = &o->cfg;

	snprintf(buf, len,
		 "%s bs=%u depth=%u batch=%u/%u threads=%u%s%s%s%s%s%s runtime=%.1fs rounds=%u",
		 mode_name(c), c->bs, c->depth, c->submit_batch, c->complete_batch, c->threads,
		 c->direct ? " O_DIRECT" : "", c->mode != MODE_NOP && !c->direct ? " buffered" : "",
		 c->fixed_bufs ? " fixed-buffers" : "", c->reg_files ? " registered-files" : "",
		 c->sqpoll ? " sqpoll" : "", c->iopoll ? " iopoll" : "", o->runtime, o->rounds);
}

/* Relative standard deviation of the per-round IOPS, in percent. */
static double spread_of(const struct result *r)
{
	double mean = 0, var = 0;

	if (r->nrounds < 2)
		return 0;
	for (unsigned i = 0; i < r->nrounds; i++)
		mean += r->round_iops[i];
	mean /= r->nrounds;
	for (unsigned i = 0; i < r->nrounds; i++)
		var += (r->round_iops[i] - mean) * (r->round_iops[i] - mean);
	var /= r->nrounds - 1;
	return mean > 0 ? 100.0 * sqrt(var) / mean : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median over rounds of this backend's IOPS over the baseline's in the same
 * round: the rounds are interleaved, so each pair ran close in time and the
 * median resists the load spikes of a shared machine.  0 when not defined.
 */
static double paired_ratio(const struct result *r, const struct result *base)
{
	double q[100];
	unsigned n = 0;

	if (!base || r->nrounds != base->nrounds || r->nrounds < 2)
		return 0;
	for (unsigned i = 0; i < r->nrounds; i++)
		if (base->round_iops[i] > 0)
			q[n++] = r->round_iops[i] / base->round_iops[i];
	if (!n)
		return 0;
	qsort(q, n, sizeof(q[0]), cmp_double);
	return n % 2 ? q[n / 2] : (q[n / 2 - 1] + q[n / 2]) / 2;
}

/* CPU time (all threads of the process, user + system) per I/O, in us. */
static double cpu_per_io(const struct result *r)
{
	return r->status == ST_OK && r->ios ? (r->usr + r->sys) * 1e6 / (double)r->ios : 0;
}

static double iops_of(const struct result *r)
{
	return r->status == ST_OK && r->secs > 0 ? (double)r->ios / r->secs : 0;
}

static const struct result *baseline_of(const struct opts *o, const struct result *rs, unsigned nr)
{
	for (unsigned i = 0; i < nr; i++)
		if (!strcmp(rs[i].be->name, o->baseline) && rs[i].status == ST_OK && rs[i].ios)
			return &rs[i];
	return NULL;
}

/* The workload, once per table, before its backends run (and their live
 * lines): the table follows. */
void print_workload(const struct opts *o)
{
	const struct bench_cfg *c = &o->cfg;
	char desc[256];

	describe(o, desc, sizeof(desc));
	printf("\n== %s", desc);
	if (c->mode != MODE_NOP) {
		uint64_t sz = c->file_size;

		printf(" file=%s (", o->file ? o->file : "(temporary)");
		if (sz >= 1048576)
			printf("%llu MiB)", (unsigned long long)(sz >> 20));
		else
			printf("%llu KiB)", (unsigned long long)(sz >> 10));
	}
	printf("\n");
}

/*
 * The spread (+-%) and the median of paired ratios (med) exist only with
 * several rounds: with one, their columns are left out rather than shown
 * as zeros and dashes.
 */
void print_table(const struct opts *o, const struct result *rs, unsigned nr)
{
	const struct bench_cfg *c = &o->cfg;
	const struct result *base = baseline_of(o, rs, nr);
	int rounds = o->rounds > 1;

	printf("%-9s %10s", "backend", "IOPS");
	if (rounds)
		printf(" %5s", "+-%");
	printf(" %9s %7s %7s %8s %8s %7s %8s %8s %9s %7s", "MiB/s", "usr s", "sys s", "ctxsw",
	       "calls/IO", "cpu/IO", "p50 us", "p99 us", "p99.9 us", "ratio");
	if (rounds)
		printf(" %7s", "med");
	printf("\n");
	for (unsigned i = 0; i < nr; i++) {
		const struct result *r = &rs[i];
		double iops = iops_of(r);

		if (r->status == ST_NA) {
			printf("%-9s n/a: %s\n", r->be->name, r->reason);
			continue;
		}
		if (r->status == ST_ERR) {
			printf("%-9s error: %s\n", r->be->name, r->reason);
			continue;
		}
		printf("%-9s %10.0f", r->be->name, iops);
		if (rounds)
			printf(" %5.1f", spread_of(r));
		printf(" %9.1f %7.2f %7.2f %8ld %8.3f %7.3f %8.1f %8.1f %9.1f",
		       c->mode == MODE_NOP ? 0.0 : iops * c->bs / 1048576.0, r->usr, r->sys,
		       r->ctxsw, r->ios ? (double)r->calls / (double)r->ios : 0.0, cpu_per_io(r),
		       r->p50, r->p99, r->p999);
		if (base)
			printf(" %6.2fx", iops / iops_of(base));
		else
			printf(" %7s", "-");
		if (!rounds)
			;
		else if (paired_ratio(r, base) > 0)
			printf(" %6.2fx", paired_ratio(r, base));
		else
			printf(" %7s", "-");
		printf("\n");
	}
	if (base)
		printf("ratio = IOPS / IOPS of %s; ", o->baseline);
	else
		printf("ratio: the baseline %s did not run; ", o->baseline);
	if (rounds)
		printf("med = median of the per-round ratios;\n"
		       "+-%% = relative std. deviation of the per-round IOPS;\n");
	else
		printf("one round (--rounds N adds the spread and median columns);\n");
	printf("calls/IO = io_uring_submit* calls (ring backends) or I/O calls (others) "
	       "per I/O;\n"
	       "cpu/IO = CPU us (user + system, all threads) per I/O.\n");
	/* the cost of ringer-trace: the traced engine's CPU per I/O over the engine's */
	for (unsigned i = 0; i < nr; i++)
		for (unsigned j = 0; j < nr; j++)
			if (!strcmp(rs[i].be->name, "trace") && !strcmp(rs[j].be->name, "user") &&
			    rs[i].status == ST_OK && rs[j].status == ST_OK &&
			    cpu_per_io(&rs[j]) > 0)
				printf("trace: cpu/IO %.2fx the untraced engine's (user)\n",
				       cpu_per_io(&rs[i]) / cpu_per_io(&rs[j]));
	fflush(stdout);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void json_run(FILE *f, const struct opts *o, const struct result *rs, unsigned nr, int first)
{
	const struct bench_cfg *c = &o->cfg;
	const struct result *base = baseline_of(o, rs, nr);

	fprintf(f,
		"%s\n    {\n      \"workload\": {\"mode\": \"%s\", \"bs\": %u, "
		"\"depth\": %u, \"submit_batch\": %u, \"complete_batch\": %u, "
		"\"threads\": %u, \"pool_threads\": %u, \"direct\": %s, "
		"\"fixed_buffers\": %s, \"registered_files\": %s, \"sqpoll\": %s, "
		"\"iopoll\": %s, \"runtime_s\": %.3f, \"rounds\": %u, \"file_size\": %llu, "
		"\"file\": ",
		first ? "" : ",", mode_name(c), c->bs, c->depth, c->submit_batch, c->complete_batch,
		c->threads, c->pool_threads, c->direct ? "true" : "false",
		c->fixed_bufs ? "true" : "false", c->reg_files ? "true" : "false",
		c->sqpoll ? "true" : "false", c->iopoll ? "true" : "false", o->runtime, o->rounds,
		(unsigned long long)(c->mode == MODE_NOP ? 0 : c->file_size));
	if (o->file)
		json_str(f, o->file);
	else
		fprintf(f, "null");
	fprintf(f, "},\n      \"baseline\": ");
	json_str(f, o->baseline);
	fprintf(f, ",\n      \"results\": [");
	for (unsigned i = 0; i < nr; i++) {
		const struct result *r = &rs[i];
		double iops = iops_of(r);

		fprintf(f, "%s\n        {\"backend\": ", i ? "," : "");
		json_str(f, r->be->name);
		fprintf(f, ", \"status\": \"%s\"",
			r->status == ST_OK   ? "ok"
			: r->status == ST_NA ? "n/a"
					     : "error");
		if (r->status != ST_OK) {
			fprintf(f, ", \"reason\": ");
			json_str(f, r->reason);
			fprintf(f, "}");
			continue;
		}
		fprintf(f,
			", \"seconds\": %.3f, \"ios\": %llu, \"iops\": %.1f, "
			"\"mib_s\": %.2f, \"usr_s\": %.3f, \"sys_s\": %.3f, "
			"\"ctxsw\": %ld, \"calls_per_io\": %.4f, \"cpu_us_per_io\": %.4f, "
			"\"lat_p50_us\": %.2f, "
			"\"lat_p99_us\": %.2f, \"lat_p999_us\": %.2f, \"iops_rsd_pct\": %.2f, "
			"\"round_iops\": [",
			r->secs, (unsigned long long)r->ios, iops,
			c->mode == MODE_NOP ? 0.0 : iops * c->bs / 1048576.0, r->usr, r->sys,
			r->ctxsw, r->ios ? (double)r->calls / (double)r->ios : 0.0, cpu_per_io(r),
			r->p50, r->p99, r->p999, spread_of(r));
		for (unsigned k = 0; k < r->nrounds; k++)
			fprintf(f, "%s%.1f", k ? ", " : "", r->round_iops[k]);
		fprintf(f, "], \"ratio\": ");
		if (base)
			fprintf(f, "%.4f", iops / iops_of(base));
		else
			fprintf(f, "null");
		fprintf(f, ", \"ratio_median_of_rounds\": ");
		if (paired_ratio(r, base) > 0)
			fprintf(f, "%.4f", paired_ratio(r, base));
		else
			fprintf(f, "null");
		/* > 1: fewer CPU seconds per I/O than the baseline */
		fprintf(f, ", \"cpu_ratio\": ");
		if (base && cpu_per_io(r) > 0)
			fprintf(f, "%.4f}", cpu_per_io(base) / cpu_per_io(r));
		else
			fprintf(f, "null}");
	}
	fprintf(f, "\n      ]\n    }");
}

void csv_run(FILE *f, const struct opts *o, const struct result *rs, unsigned nr)
{
	const struct bench_cfg *c = &o->cfg;
	const struct result *base = baseline_of(o, rs, nr);

	for (unsigned i = 0; i < nr; i++) {
		const struct result *r = &rs[i];
		double iops = iops_of(r);

		fprintf(f, "%s,%u,%u,%u,%u,%u,%s,%s,", mode_name(c), c->direct, c->bs, c->depth,
			c->submit_batch, c->threads, r->be->name,
			r->status == ST_OK   ? "ok"
			: r->status == ST_NA ? "n/a"
					     : "error");
		if (r->status != ST_OK) {
			fprintf(f, ",,,,,,,,,,\n");
			continue;
		}
		fprintf(f, "%.1f,%.2f,%.3f,%.3f,%ld,%.4f,%.2f,%.2f,%.2f,", iops,
			c->mode == MODE_NOP ? 0.0 : iops * c->bs / 1048576.0, r->usr, r->sys,
			r->ctxsw, r->ios ? (double)r->calls / (double)r->ios : 0.0, r->p50, r->p99,
			r->p999);
		if (base)
			fprintf(f, "%.4f", iops / iops_of(base));
		fprintf(f, ",%.4f\n", cpu_per_io(r));
	}
}

void json_begin(FILE *f)
{
	fprintf(f, "{\n  \"machine\": {\"cpu\": ");
	json_str(f, cpu_model);
	fprintf(f, ", \"cpus\": %ld, \"kernel\": ", ncpus);
	json_str(f, kernel_rel);
	fprintf(f, "},\n  \"runs\": [");
}

void json_end(FILE *f)
{
	fprintf(f, "\n  ]\n}\n");
}

void csv_begin(FILE *f)
{
	fprintf(f, "mode,direct,bs,depth,batch,threads,backend,status,iops,mib_s,"
		   "usr_s,sys_s,ctxsw,calls_per_io,p50_us,p99_us,p999_us,ratio,"
		   "cpu_us_per_io\n");
}
