/* SPDX-License-Identifier: Apache-2.0 */
/* fl_config: INI config files of the agent and the coordinator (libinih). */
#ifndef FL_CONFIG_H
#define FL_CONFIG_H

#include <stdint.h>
#include "fl_util.h"

#define FL_PATH_BYTES 512
#define FL_CONFIG_MAX_BYTES (256u * 1024u)
#define FL_CONFIG_MAX_DATASETS 32u

typedef struct fl_tls_paths {
	char ca[FL_PATH_BYTES];     /* consortium CA bundle (PEM) */
	char cert[FL_PATH_BYTES];   /* own certificate (PEM) */
	char key[FL_PATH_BYTES];    /* own private key (PEM, 0600) */
} fl_tls_paths;

/*
 * Agent config:
 *   [agent]  coordinator = host:port (required), poll_interval_ms = 500,
 *            state_dir = . , log_level = info
 *   [tls]    ca, cert, key  (required; relative paths are relative to the
 *            config file's folder)
 *   [data]   NAME = path/to/file.csv   (one line per dataset this site holds)
 */
typedef struct fl_agent_config {
	char coordinator[256];
	uint32_t poll_interval_ms;
	char state_dir[FL_PATH_BYTES];
	char log_level[16];
	fl_tls_paths tls;
	uint32_t ndatasets;
	char dataset_name[FL_CONFIG_MAX_DATASETS][FL_NAME_BYTES];
	char dataset_path[FL_CONFIG_MAX_DATASETS][FL_PATH_BYTES];
} fl_agent_config;

/*
 * Coordinator config:
 *   [coordinator] listen = 127.0.0.1:7443, database = coordinator.db,
 *                 log_level = info, offline_after_ms = 10000
 *   [tls]         ca, cert, key (required)
 */
typedef struct fl_coord_config {
	char listen[256];
	char database[FL_PATH_BYTES];
	char log_level[16];
	uint32_t offline_after_ms;
	fl_tls_paths tls;
} fl_coord_config;

/* Parse from text (base_dir resolves relative paths; may be NULL) or from a
 * file. Unknown sections/keys, missing required keys and bad numbers are
 * FL_E_CONFIG with "file:line: what is wrong" in errmsg. */
int fl_agent_config_parse(const char *text, size_t len, const char *base_dir,
			  fl_agent_config *out, char *errmsg);
int fl_agent_config_load(const char *path, fl_agent_config *out, char *errmsg);
/* Path of a dataset by name, or NULL. */
const char *fl_agent_config_dataset(const fl_agent_config *c, const char *name);
int fl_coord_config_parse(const char *text, size_t len, const char *base_dir,
			  fl_coord_config *out, char *errmsg);
int fl_coord_config_load(const char *path, fl_coord_config *out, char *errmsg);

#endif
