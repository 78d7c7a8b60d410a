/*
 * check.h: the tiny unit-test harness.  Each test file defines main(),
 * uses CHECK* macros, and ends with return check_summary().  Output: one
 * "ok"/"FAIL" line per failure and a final "unit NAME: N passed, M failed".
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do {						\
	if (cond)							\
		check_passed++;						\
	else {								\
		check_failed++;						\
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__,	\
		    #cond);						\
	}								\
} while (0)

#define CHECK_STREQ(a, b) do {						\
	const char *check_a_ = (a), *check_b_ = (b);			\
	if ((check_a_ == NULL && check_b_ == NULL) ||			\
	    (check_a_ != NULL && check_b_ != NULL &&			\
	    strcmp(check_a_, check_b_) == 0))				\
		check_passed++;						\
	else {								\
		check_failed++;						\
		fprintf(stderr, "FAIL %s:%d: %s == %s: \"%s\" != \"%s\"\n",\
		    __FILE__, __LINE__, #a, #b,				\
		    check_a_ ? check_a_ : "(null)",			\
		    check_b_ ? check_b_ : "(null)");			\
	}								\
} while (0)

#define CHECK_INTEQ(a, b) do {						\
	long long check_a_ = (long long)(a), check_b_ = (long long)(b);	\
	if (check_a_ == check_b_)					\
		check_passed++;						\
	else {								\
		check_failed++;						\
		fprintf(stderr, "FAIL %s:%d: %s == %s: %lld != %lld\n",	\
		    __FILE__, __LINE__, #a, #b, check_a_, check_b_);	\
	}								\
} while (0)

static inline int
check_summary(const char *name)
{
	printf("unit %s: %d passed, %d failed\n", name, check_passed,
	    check_failed);
	return check_failed ? 1 : 0;
}

#endif
