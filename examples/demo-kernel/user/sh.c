/*
 * sh: the demo shell. Runs commands from the console (interactive, with a
 * prompt) or from a script file given as its argument. Syntax: commands
 * separated by ';', pipelines with '|', redirection '<', '>' and '>>',
 * '#' comments; builtins cd, exit, help. A script stops at the first command
 * that fails and exits with its status.
 */
#include "ulib.h"

#define MAXCMD 8
#define MAXTOK 24

struct cmd {
    char *argv[MAXARG + 1];
    char *in, *out;
    int append;
};

static int interactive;

static int tokenize(char *s, char **tok, int max)
{
    int n = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            *s++ = 0;
        if (!*s)
            break;
        if (n == max)
            return -1;
        if (*s == '>' || *s == '<' || *s == '|') {
            static char gt[] = ">", gtgt[] = ">>", lt[] = "<", bar[] = "|";
            if (s[0] == '>' && s[1] == '>')
                tok[n++] = gtgt, *s++ = 0, *s++ = 0;
            else
                tok[n++] = *s == '>' ? gt : *s == '<' ? lt : bar, *s++ = 0;
            continue;
        }
        tok[n++] = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '>' && *s != '<' && *s != '|')
            s++;
    }
    return n;
}

/* Split tokens into pipeline stages. Returns the number of stages or -1. */
static int parse(char **tok, int n, struct cmd *cmds)
{
    int nc = 0, ac = 0;
    memset(cmds, 0, sizeof(struct cmd) * MAXCMD);
    for (int i = 0; i < n; i++) {
        struct cmd *c = &cmds[nc];
        if (!strcmp(tok[i], "|")) {
            if (ac == 0 || ++nc == MAXCMD)
                return -1;
            ac = 0;
        } else if (!strcmp(tok[i], ">") || !strcmp(tok[i], ">>") || !strcmp(tok[i], "<")) {
            if (i + 1 >= n)
                return -1;
            if (tok[i][0] == '<')
                c->in = tok[++i];
            else
                c->append = tok[i][1] == '>', c->out = tok[++i];
        } else {
            if (ac == MAXARG)
                return -1;
            c->argv[ac++] = tok[i];
        }
    }
    return ac ? nc + 1 : (nc ? -1 : 0);
}

static void redirect(int fd, const char *path, int flags)
{
    int f = open(path, flags);
    if (f < 0) {
        fprintf(2, "sh: %s: %s\n", path, strerror(f));
        exit(1);
    }
    close(fd);
    dup(f);
    close(f);
}

static __attribute__((noreturn)) void run_child(struct cmd *c)
{
    char path[MAXPATH];
    if (c->in)
        redirect(0, c->in, O_RDONLY);
    if (c->out)
        redirect(1, c->out, O_WRONLY | O_CREAT | (c->append ? O_APPEND : O_TRUNC));
    if (strchr(c->argv[0], '/'))
        snprintf(path, sizeof path, "%s", c->argv[0]);
    else
        snprintf(path, sizeof path, "/bin/%s", c->argv[0]);
    int rc = exec(path, c->argv);
    fprintf(2, "sh: %s: %s\n", c->argv[0], strerror(rc));
    exit(127);
}

static int builtin(struct cmd *c, int *status)
{
    if (!strcmp(c->argv[0], "cd")) {
        int rc = chdir(c->argv[1] ? c->argv[1] : "/");
        if (rc < 0)
            fprintf(2, "cd: %s: %s\n", c->argv[1], strerror(rc));
        *status = rc < 0;
        return 1;
    }
    if (!strcmp(c->argv[0], "exit"))
        exit(c->argv[1] ? (int)atol(c->argv[1]) : 0);
    if (!strcmp(c->argv[0], "help")) {
        printf("commands: ls cat echo mkdir rm forktest priority filetest badptr faulttest bench\n"
               "builtins: cd exit help;  syntax: a ; b   a | b   a > f   a >> f   a < f\n"
               "exit powers the machine off (files are synced first)\n");
        *status = 0;
        return 1;
    }
    return 0;
}

static int run_pipeline(struct cmd *cmds, int nc)
{
    int status = 0, prev = -1, pids[MAXCMD];
    if (nc == 1 && builtin(&cmds[0], &status))
        return status;
    for (int i = 0; i < nc; i++) {
        int p[2] = {-1, -1};
        if (i + 1 < nc && pipe(p) < 0) {
            fprintf(2, "sh: pipe failed\n");
            return 1;
        }
        pids[i] = fork();
        if (pids[i] == 0) {
            if (prev >= 0) {
                close(0);
                dup(prev);
                close(prev);
            }
            if (p[1] >= 0) {
                close(1);
                dup(p[1]);
                close(p[1]);
                close(p[0]);
            }
            run_child(&cmds[i]);
        }
        if (prev >= 0)
            close(prev);
        if (p[1] >= 0)
            close(p[1]);
        prev = p[0];
        if (pids[i] < 0) {
            fprintf(2, "sh: fork: %s\n", strerror(pids[i]));
            return 1;
        }
    }
    /* wait for this pipeline's processes (orphans reparented to us may come too) */
    for (int left = nc; left > 0;) {
        int st = 0, pid = wait(&st);
        if (pid < 0)
            break;
        for (int i = 0; i < nc; i++) {
            if (pids[i] == pid) {
                left--;
                if (i == nc - 1)
                    status = st;
            }
        }
    }
    return status;
}

/* Run one line; returns the status of its last command. */
static int run_line(char *line)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = 0;
    int status = 0;
    for (char *s = line, *next; s; s = next) {
        next = strchr(s, ';');
        if (next)
            *next++ = 0;
        char *tok[MAXTOK];
        struct cmd cmds[MAXCMD];
        int n = tokenize(s, tok, MAXTOK), nc = n < 0 ? -1 : parse(tok, n, cmds);
        if (nc < 0) {
            fprintf(2, "sh: syntax error\n");
            return 2;
        }
        if (nc > 0)
            status = run_pipeline(cmds, nc);
        if (status && !interactive)
            return status;
    }
    return status;
}

/* Read one line from fd (no stdio buffering: byte reads). 0 at end of input. */
static int get_line(int fd, char *buf, int max)
{
    int n = 0;
    while (n < max - 1) {
        char c;
        long r = read(fd, &c, 1);
        if (r <= 0)
            break;
        if (c == '\n') {
            buf[n] = 0;
            return 1;
        }
        buf[n++] = c;
    }
    buf[n] = 0;
    return n > 0;
}

int main(int argc, char **argv)
{
    char line[256];
    int fd = 0;
    if (argc > 1) {
        fd = open(argv[1], O_RDONLY);
        if (fd < 0) {
            fprintf(2, "sh: %s: %s\n", argv[1], strerror(fd));
            return 1;
        }
    } else {
        interactive = 1;
        printf("kernkit demo shell. Type 'help' for commands, 'exit' to power off.\n");
    }
    for (;;) {
        if (interactive) {
            char cwd[128];
            if (getcwd(cwd, sizeof cwd) < 0)
                strcpy(cwd, "?");
            printf("%s$ ", cwd);
        }
        if (!get_line(fd, line, sizeof line))
            break;
        char copy[256];
        strcpy(copy, line);
        if (!interactive && line[0] && line[0] != '#')
            printf("+ %s\n", line);
        int st = run_line(line);
        if (st && !interactive) {
            printf("sh: '%s' failed with status %d\n", copy, st);
            return st;
        }
    }
    return 0;
}
