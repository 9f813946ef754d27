/*
 * sh: the demo shell. Runs commands from the console (interactive, with a
 * prompt) or from a script file given as its argument. Syntax: commands
 * separated by ';', pipelines with '|', redirection '<', '>' and '>>',
 * '#' comments, quoting ('...' literal, "..." literal but for \" and \\);
 * builtins cd, exit, help. A script stops at the first command that fails
 * and exits with its status.
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

/* Operator tokens are these very strings (compared by address, so a quoted
 * "|" stays a word). */
static char OP_GT[] = ">", OP_GTGT[] = ">>", OP_LT[] = "<", OP_BAR[] = "|", OP_SEMI[] = ";";

/*
 * Split a line into words and operators. Words are copied to words[] (at
 * least twice the line's size) with their quotes removed; a word may join
 * quoted and plain parts (a"b c"d). '#' at the start of a word starts a
 * comment. Returns the number of tokens, -1 (too many) or -2 (open quote).
 */
static int tokenize(const char *s, char **tok, int max, char *words)
{
    int n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            return n;
        if (n == max)
            return -1;
        if (strchr("<>|;", *s)) {
            if (s[0] == '>' && s[1] == '>')
                tok[n++] = OP_GTGT, s++;
            else
                tok[n++] = *s == '>' ? OP_GT : *s == '<' ? OP_LT : *s == '|' ? OP_BAR : OP_SEMI;
            s++;
            continue;
        }
        tok[n++] = words;
        while (*s && !strchr(" \t<>|;", *s)) {
            if (*s != '\'' && *s != '"') {
                *words++ = *s++;
                continue;
            }
            char q = *s++;
            for (; *s && *s != q; s++) {
                if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
                    s++;
                *words++ = *s;
            }
            if (!*s)
                return -2;
            s++;
        }
        *words++ = 0;
    }
}

/* Split tokens into pipeline stages. Returns the number of stages or -1. */
static int parse(char **tok, int n, struct cmd *cmds)
{
    int nc = 0, ac = 0;
    memset(cmds, 0, sizeof(struct cmd) * MAXCMD);
    for (int i = 0; i < n; i++) {
        struct cmd *c = &cmds[nc];
        if (tok[i] == OP_BAR) {
            if (ac == 0 || ++nc == MAXCMD)
                return -1;
            ac = 0;
        } else if (tok[i] == OP_GT || tok[i] == OP_GTGT || tok[i] == OP_LT) {
            if (i + 1 >= n || tok[i + 1] == OP_BAR || tok[i + 1] == OP_GT ||
                tok[i + 1] == OP_GTGT || tok[i + 1] == OP_LT)
                return -1;
            if (tok[i] == OP_LT)
                c->in = tok[++i];
            else
                c->append = tok[i] == OP_GTGT, c->out = tok[++i];
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
        printf("commands: ls cat echo mkdir rm kill ps forktest priority filetest badptr "
               "faulttest bench\n"
               "builtins: cd exit help;  syntax: a ; b   a | b   a > f   a >> f   a < f   "
               "'...' \"...\"\n"
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
static int run_line(const char *line)
{
    static char words[2 * 256 + 2];
    char *tok[MAXTOK];
    struct cmd cmds[MAXCMD];
    int n = tokenize(line, tok, MAXTOK, words), status = 0;
    if (n < 0) {
        fprintf(2, "sh: %s\n", n == -2 ? "unterminated quote" : "too many words");
        return 2;
    }
    for (int start = 0, i = 0; i <= n; i++) {
        if (i < n && tok[i] != OP_SEMI)
            continue;
        int nc = parse(tok + start, i - start, cmds);
        start = i + 1;
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
        if (!interactive && line[0] && line[0] != '#')
            printf("+ %s\n", line);
        int st = run_line(line);
        if (st && !interactive) {
            printf("sh: '%s' failed with status %d\n", line, st);
            return st;
        }
    }
    return 0;
}
