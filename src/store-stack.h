/*
 * store-stack: the Compose stacks Dockrev knows, registered by a user
 * (`dockrev stack add`) or discovered from Compose labels, each with its
 * compose files in order, env file, project name, working directory and
 * services.  A registered stack is never overwritten by discovery.
 */
#ifndef STORE_STACK_H
#define STORE_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define STORE_STACK_FILES_MAX		64
#define STORE_STACK_SERVICES_MAX	1024

enum store_stack_source {
	STORE_STACK_REGISTERED,
	STORE_STACK_DISCOVERED,
	STORE_STACK_SOURCE_COUNT
};

/* What store_stack_put() records; borrowed for the call. */
struct store_stack_spec {
	const char		 *name;
	const char		 *project;	/* compose --project-name */
	const char		 *env_file;	/* NULL: no --env-file */
	const char		 *working_dir;	/* NULL when unknown */
	enum store_stack_source	  source;
	const char *const	 *files;	/* -f files, in order */
	size_t			  nfiles;
};

struct store_service_spec {
	const char	*name;
	const char	*image;		/* as configured; NULL when unknown */
};

struct store_service {
	char	*name;
	char	*image;			/* NULL when unknown */
};

struct store_stack {
	int64_t			 id;
	char			*name;
	char			*project;
	char			*env_file;	/* NULL when none */
	char			*working_dir;	/* NULL when unknown */
	enum store_stack_source	 source;
	char			**files;	/* in order */
	size_t			 nfiles;
	struct store_service	*services;	/* by name */
	size_t			 nservices;
	int64_t			 created_at;
	int64_t			 updated_at;
};

struct store_stack_list {
	struct store_stack	*stacks;	/* by name */
	size_t			 n;
};

/* "registered", "discovered". */
const char	*store_stack_source_name(enum store_stack_source);

/*
 * Creates or replaces (by name) a stack and its file list, keeping its
 * services; its id in *ret_id (may be NULL).  DR_EINVAL for a missing
 * name or project, an empty file name, more than STORE_STACK_FILES_MAX
 * files; DR_ETOOBIG for a value past STORE_TEXT_MAX; DR_ECONFLICT when a
 * discovered stack would replace a registered one.
 */
enum dr_err	store_stack_put(struct store *, const struct store_stack_spec *,
		    int64_t *ret_id, struct dr_error *reterr);

/* Reads stack name with files and services into *ret (store_stack_free);
 * DR_ENOTFOUND when absent. */
enum dr_err	store_stack_get(struct store *, const char *name,
		    struct store_stack **ret, struct dr_error *reterr);
void		store_stack_free(struct store_stack *);

/* Every stack, by name, with files and services (store_stack_list_done). */
enum dr_err	store_stack_list(struct store *, struct store_stack_list *ret,
		    struct dr_error *reterr);
void		store_stack_list_done(struct store_stack_list *);

/*
 * Replaces the services of stack name with the n given (names unique,
 * at most STORE_STACK_SERVICES_MAX).  DR_ENOTFOUND when there is no such
 * stack, DR_EINVAL for a missing or repeated name.
 */
enum dr_err	store_stack_set_services(struct store *, const char *name,
		    const struct store_service_spec *, size_t n,
		    struct dr_error *reterr);

/*
 * Forgets stack name.  DR_ENOTFOUND when absent; DR_ECONFLICT while an
 * unfinished job holds its lock.
 */
enum dr_err	store_stack_remove(struct store *, const char *name,
		    struct dr_error *reterr);

#endif
