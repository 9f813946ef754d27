/*
 * sh: the demo shell. Runs commands from the console (interactive, with a
 * prompt) or from a script file given as its argument. Syntax: commands
 * separated by ';', pipelines with '|', redirection '<', '>' and '>>',
 * '#' comments, quoting ('...' literal, "..." literal but for \" and \\);
 * builtins cd, exit, help. A script stops at the first command that fails
 * and exits with its status. Interactively it edits the line itself (the
 * console in raw mode: arrows, history, ^A ^E ^U ^W ^L ^C ^D) and runs each
 * pipeline as the console's foreground process group, so Ctrl-C stops it.
 */
#include "ulib.h"

#define MAXCMD 8
#define MAXTOK 1024
#define LINE   4096 /* a page: the console's longest line */
#define NHIST  32

struct cmd {
    char **argv; /* into run_line's av[]: a command's words are limited only by the line */
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

/* Split tokens into pipeline stages, their argv arrays (NULL-terminated)
 * in av[] (n + MAXCMD entries). Returns the number of stages or -1. */
static int parse(char **tok, int n, struct cmd *cmds, char **av)
{
    int nc = 0, ac = 0;
    memset(cmds, 0, sizeof(struct cmd) * MAXCMD);
    cmds[0].argv = av;
    for (int i = 0; i < n; i++) {
        struct cmd *c = &cmds[nc];
        if (tok[i] == OP_BAR) {
            if (ac == 0 || ++nc == MAXCMD)
                return -1;
            c->argv[ac] = NULL;
            cmds[nc].argv = c->argv + ac + 1;
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
            c->argv[ac++] = tok[i];
        }
    }
    cmds[nc].argv[ac] = NULL;
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

/* help: the builtins, the syntax and every program in /bin (read from the disk). */
static void help(void)
{
    static char buf[1024];
    int fd = open("/bin", O_RDONLY), n, col = 9;
    printf("programs:");
    while (fd >= 0 && (n = getdents(fd, buf, sizeof buf)) > 0) {
        for (int off = 0; off < n;) {
            struct dirent *d = (struct dirent *)(buf + off);
            off += d->reclen;
            if (d->name[0] == '.')
                continue;
            int w = (int)strlen(d->name) + 1;
            if (col + w > 78) {
                printf("\n        ");
                col = 8;
            }
            printf(" %s", d->name);
            col += w;
        }
    }
    if (fd >= 0)
        close(fd);
    printf("\nbuiltins: cd exit help;  syntax: a ; b   a | b   a > f   a >> f   a < f   "
           "'...' \"...\"\n"
           "keys: left/right, up/down (history), backspace, ^A ^E ^U ^W ^L, ^C (interrupt), "
           "^D (end of input)\n"
           "exit powers the machine off (files are synced first)\n");
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
        help();
        *status = 0;
        return 1;
    }
    return 0;
}

static int run_pipeline(struct cmd *cmds, int nc)
{
    int status = 0, prev = -1, pids[MAXCMD], leader = 0;
    if (nc == 1 && builtin(&cmds[0], &status))
        return status;
    for (int i = 0; i < nc; i++) {
        int p[2] = {-1, -1};
        if (i + 1 < nc && pipe(p) < 0) {
            fprintf(2, "sh: pipe failed\n");
            return 1;
        }
        pids[i] = fork();
        if (pids[i] > 0 && interactive) { /* the pipeline is one process group */
            if (!leader)
                leader = pids[i];
            setpgid(pids[i], leader);
        }
        if (pids[i] == 0) {
            if (interactive)
                setpgid(0, leader); /* the first child leads: its own pid */
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
    /* Ctrl-C kills the pipeline, not the shell */
    if (interactive && leader)
        tcsetpgrp(leader);
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
    if (interactive)
        tcsetpgrp(getpid());
    return status;
}

/* Run one line; returns the status of its last command. */
static int run_line(const char *line)
{
    static char words[2 * LINE + 2];
    static char *tok[MAXTOK], *av[MAXTOK + MAXCMD];
    struct cmd cmds[MAXCMD];
    int n = tokenize(line, tok, MAXTOK, words), status = 0;
    if (n < 0) {
        fprintf(2, "sh: %s\n", n == -2 ? "unterminated quote" : "too many words");
        return 2;
    }
    for (int start = 0, i = 0; i <= n; i++) {
        if (i < n && tok[i] != OP_SEMI)
            continue;
        int nc = parse(tok + start, i - start, cmds, av);
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

/* ---- the interactive line editor (console in raw mode) ---- */
static char *hist[NHIST];
static int nhist; /* lines in hist[], the newest last */

static void add_history(const char *line)
{
    if (!line[0] || (nhist && !strcmp(hist[nhist - 1], line)))
        return;
    if (nhist == NHIST) {
        free(hist[0]);
        memmove(hist, hist + 1, sizeof hist[0] * (NHIST - 1));
        nhist--;
    }
    char *s = malloc(strlen(line) + 1);
    if (s) {
        strcpy(s, line);
        hist[nhist++] = s;
    }
}

/* Show the prompt and the line, the cursor at pos. */
static void redraw(const char *prompt, const char *buf, int len, int pos)
{
    printf("\r%s%s\033[K", prompt, buf);
    if (len > pos)
        printf("\033[%dD", len - pos);
    (void)len;
}

static int getbyte(void)
{
    char c;
    return read(0, &c, 1) == 1 ? (unsigned char)c : -1;
}

/* Read a line with editing: left/right, home/end (^A/^E), backspace,
 * delete, ^U, ^W, ^L, ^C (drop the line), history with up/down. Returns 0
 * at ^D on an empty line or the end of input. */
static int edit_line(const char *prompt, char *buf, int max)
{
    int len = 0, pos = 0, h = nhist;
    static char saved[LINE]; /* the new line while browsing the history */
    buf[0] = 0;
    consmode(1);
    printf("%s", prompt);
    for (;;) {
        int c = getbyte();
        if (c < 0 || (c == 4 && len == 0)) {
            consmode(0);
            printf("\n");
            return 0;
        }
        if (c == '\r' || c == '\n')
            break;
        if (c == 3) { /* ^C */
            printf("^C\n");
            len = pos = 0;
            buf[0] = 0;
            h = nhist;
            printf("%s", prompt);
            continue;
        }
        if (c == 0x1b) { /* ESC [ X or ESC [ n ~ */
            if (getbyte() != '[')
                continue;
            c = getbyte();
            if (c >= '0' && c <= '9') {
                int d = c;
                while (c >= '0' && c <= '9')
                    c = getbyte();
                if (d == '3' && pos < len) { /* delete */
                    memmove(buf + pos, buf + pos + 1, (size_t)(len - pos));
                    len--;
                } else if (d == '1' || d == '7') {
                    pos = 0;
                } else if (d == '4' || d == '8') {
                    pos = len;
                }
            } else if (c == 'D' && pos > 0) {
                pos--;
            } else if (c == 'C' && pos < len) {
                pos++;
            } else if (c == 'H') {
                pos = 0;
            } else if (c == 'F') {
                pos = len;
            } else if ((c == 'A' && h > 0) || (c == 'B' && h < nhist)) {
                if (h == nhist)
                    strcpy(saved, buf);
                h += c == 'A' ? -1 : 1;
                const char *s = h == nhist ? saved : hist[h];
                len = (int)strlen(s) < max - 1 ? (int)strlen(s) : max - 1;
                memcpy(buf, s, (size_t)len);
                buf[len] = 0;
                pos = len;
            }
        } else if (c == 0x7f || c == '\b') {
            if (pos > 0) {
                memmove(buf + pos - 1, buf + pos, (size_t)(len - pos + 1));
                pos--;
                len--;
            }
        } else if (c == 0x15) { /* ^U: erase before the cursor */
            memmove(buf, buf + pos, (size_t)(len - pos + 1));
            len -= pos;
            pos = 0;
        } else if (c == 0x17) { /* ^W: erase the word before the cursor */
            int k = pos;
            while (k > 0 && buf[k - 1] == ' ')
                k--;
            while (k > 0 && buf[k - 1] != ' ')
                k--;
            memmove(buf + k, buf + pos, (size_t)(len - pos + 1));
            len -= pos - k;
            pos = k;
        } else if (c == 0x0c) { /* ^L */
            printf("\033[H\033[2J");
        } else if (c == 1) {
            pos = 0;
        } else if (c == 5) {
            pos = len;
        } else if (c >= ' ' && c < 0x7f && len < max - 1) {
            memmove(buf + pos + 1, buf + pos, (size_t)(len - pos + 1));
            buf[pos++] = (char)c;
            len++;
        }
        buf[len] = 0;
        redraw(prompt, buf, len, pos);
    }
    consmode(0);
    printf("\n");
    add_history(buf);
    return 1;
}

int main(int argc, char **argv)
{
    static char line[LINE];
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
            char cwd[128], prompt[140];
            if (getcwd(cwd, sizeof cwd) < 0)
                strcpy(cwd, "?");
            snprintf(prompt, sizeof prompt, "%s$ ", cwd);
            if (!edit_line(prompt, line, sizeof line))
                break;
        } else if (!get_line(fd, line, sizeof line)) {
            break;
        }
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
