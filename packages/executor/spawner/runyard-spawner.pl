#!/usr/bin/perl
# runyard-spawner: starts a run's step processes for the executor, so that they are not forked
# from the executor's heap (a fork of a Node process of 100-200 MB costs milliseconds; a fork of
# this one, a few hundred microseconds). One per run, started by the executor with a pipe on
# stdin (its requests) and one on stdout (its reports); stderr is executor.log. Core Perl only.
#
# Requests, each a header line and a payload of <length> bytes:
#   S <seq> <length>\n  cwd\0stdout path\0stderr path\0argc\0argv...\0changes...
#       start: apply the environment changes (+NAME=value sets, -NAME removes: the environment
#       is kept from one request to the next, so a request carries only what differs from the
#       step before), open the two capture files (they exist: the executor created them, 0600)
#       for appending, fork, and in the child: a session of its own (setsid), stdin /dev/null,
#       stdout and stderr the captures, that environment, exec argv.
#   Q 0 0\n  the run ended in order: exit.
# Reports, one line each:
#   P <seq> <pid>\n             started; the pid is also the session and process group id
#   F <seq> <reason>\n          could not start (the captures cannot be opened, fork failed)
#   X <seq> <code> <signal>\n   the step's main process ended: exit code, or -1 and a signal number
# End of file on stdin without Q means the executor is gone: every step still running is sent
# SIGTERM to its process group, then SIGKILL 0.5 s later, and the spawner exits. (The crash
# watchdog does the same and more: it also finds what left the step's session.)
use strict;
use warnings;
use POSIX qw(setsid WNOHANG _exit dup2 EINTR EAGAIN);
use Fcntl qw(O_WRONLY O_APPEND O_NOFOLLOW);
use Time::HiRes qw(time);

# Nothing but its three: a descriptor the executor was given without close-on-exec (a pipe of
# the user's shell, say) would reach every step, and hold that pipe open as long as it runs.
if (opendir(my $fds, '/proc/self/fd')) {
    my @stray = grep { /\A\d+\z/ && $_ > 2 && $_ != fileno($fds) } readdir($fds);
    closedir($fds);
    POSIX::close($_) for @stray;
}

$SIG{PIPE} = 'IGNORE';
binmode STDIN;
binmode STDOUT;

# A self-pipe: SIGCHLD wakes the select below.
pipe(my $wake_r, my $wake_w) or die "runyard-spawner: pipe: $!\n";
for my $handle ($wake_r, $wake_w) {
    my $flags = fcntl($handle, Fcntl::F_GETFL(), 0);
    fcntl($handle, Fcntl::F_SETFL(), $flags | Fcntl::O_NONBLOCK());
}
$SIG{CHLD} = sub { syswrite($wake_w, "c") };

my %running;        # pid => seq
my %environment;    # the steps' environment, as the requests so far made it
my $input = '';
my $reports = '';

sub report {
    $reports .= $_[0];
}

sub flush_reports {
    while (length $reports) {
        my $written = syswrite(STDOUT, $reports);
        if (!defined $written) {
            next if $! == EINTR;
            return 0;    # EPIPE: the executor is gone
        }
        substr($reports, 0, $written) = '';
    }
    return 1;
}

sub one_line {
    my ($text) = @_;
    $text =~ s/[\r\n]+/ /g;
    return $text;
}

sub start_step {
    my ($seq, $payload) = @_;
    my @fields = split /\0/, $payload, -1;
    my ($cwd, $out_path, $err_path, $argc) = splice @fields, 0, 4;
    if (!defined $argc || $argc !~ /\A\d+\z/ || $argc < 1 || $argc > @fields) {
        report("F $seq a request it does not understand\n");
        return;
    }
    my @argv = splice @fields, 0, $argc;
    for my $change (@fields) {
        if (substr($change, 0, 1) eq '-') {
            delete $environment{ substr($change, 1) };
        } else {
            my $at = index($change, '=');
            $environment{ substr($change, 1, $at - 1) } = substr($change, $at + 1) if $at > 1;
        }
    }
    my ($out, $err);
    if (!sysopen($out, $out_path, O_WRONLY | O_APPEND | O_NOFOLLOW)) {
        report("F $seq " . one_line("cannot open $out_path: $!") . "\n");
        return;
    }
    if (!sysopen($err, $err_path, O_WRONLY | O_APPEND | O_NOFOLLOW)) {
        report("F $seq " . one_line("cannot open $err_path: $!") . "\n");
        close $out;
        return;
    }
    my $pid = fork();
    if (!defined $pid) {
        report("F $seq " . one_line("fork: $!") . "\n");
        close $out;
        close $err;
        return;
    }
    if ($pid == 0) {
        $SIG{CHLD} = 'DEFAULT';
        $SIG{PIPE} = 'DEFAULT';
        setsid();
        open(STDIN, '<', '/dev/null');
        dup2(fileno($out), 1);
        dup2(fileno($err), 2);
        if (!chdir $cwd) {
            syswrite(STDERR, "runyard: cannot enter the working directory $cwd: $!\n");
            _exit(127);
        }
        %ENV = %environment;
        # No warning of Perl's own ("Can't exec ... at runyard-spawner.pl line N") in the
        # step's stderr: the line below says it.
        { no warnings 'exec'; exec { $argv[0] } @argv; }
        syswrite(STDERR, "runyard: cannot run $argv[0]: $!\n");
        _exit(127);
    }
    close $out;
    close $err;
    $running{$pid} = $seq;
    report("P $seq $pid\n");
}

sub reap {
    while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
        my $seq = delete $running{$pid};
        next unless defined $seq;
        my $status = $?;
        if ($status & 127) {
            report("X $seq -1 " . ($status & 127) . "\n");
        } else {
            report("X $seq " . ($status >> 8) . " 0\n");
        }
    }
}

# The executor is gone: stop what it started and go.
sub orphaned {
    my @groups = sort { $a <=> $b } keys %running;
    exit 0 unless @groups;
    my @now = gmtime();
    my $stamp = sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ', $now[5] + 1900, $now[4] + 1, @now[3, 2, 1, 0]);
    syswrite(STDERR, "$stamp runyard-spawner[$$]: the executor is gone: stopping the process groups "
        . join(', ', @groups) . " of its running steps\n");
    # Each group, and each step's own process while it is still this spawner's unreaped child:
    # a child forked a moment ago may not have called setsid yet, and then has no group.
    my $signal = sub { kill $_[0], map { -$_ } @groups; kill $_[0], grep { exists $running{$_} } @groups; };
    my $left = sub {
        while ((my $pid = waitpid(-1, WNOHANG)) > 0) { delete $running{$pid} }
        return grep { kill(0, -$_) || $!{EPERM} || exists $running{$_} } @groups;
    };
    $signal->('TERM');
    # SIGKILL for what is left after 0.5 s (a select woken early by SIGCHLD is not the end of
    # the grace period); the spawner goes as soon as nothing is left (its own children reaped,
    # so that a zombie does not count as a process still there), and after the SIGKILL, once
    # that has taken (at most another 0.5 s: a process in the kernel may take a moment).
    for my $then (['KILL', 0.5], [undef, 0.5]) {
        my $deadline = time() + $then->[1];
        while (time() < $deadline) {
            exit 0 unless $left->();
            select(undef, undef, undef, 0.01);
        }
        $signal->($then->[0]) if defined $then->[0];
    }
    exit 0;
}

while (1) {
    my $rin = '';
    vec($rin, fileno(STDIN), 1) = 1;
    vec($rin, fileno($wake_r), 1) = 1;
    # SIGCHLD wakes the select through the self-pipe; should a wake-up ever be lost (it was,
    # once in tens of thousands of steps), the timeout bounds what it costs: children are
    # looked for after every wake and at least every 0.1 s while any runs.
    my $rout = $rin;
    my $ready = select($rout, undef, undef, %running ? 0.1 : undef);
    if ($ready < 0) {
        die "runyard-spawner: select: $!\n" unless $! == EINTR;
        $rout = '';
    } elsif ($ready == 0) {
        $rout = '';
    }
    if (vec($rout, fileno($wake_r), 1)) {
        1 while sysread($wake_r, my $drain, 512);
    }
    reap();
    if (vec($rout, fileno(STDIN), 1)) {
        my $read = sysread(STDIN, $input, 65536, length $input);
        if (!defined $read) {
            next if $! == EINTR || $! == EAGAIN;
            orphaned();
        }
        orphaned() if $read == 0;
        while ($input =~ /\A([SQ]) (\d+) (\d+)\n/) {
            my ($type, $seq, $length) = ($1, $2, $3);
            my $start = length($1) + length($2) + length($3) + 3;
            last if length($input) < $start + $length;
            my $payload = substr($input, $start, $length);
            substr($input, 0, $start + $length) = '';
            if ($type eq 'Q') {
                flush_reports();
                exit 0;
            }
            start_step($seq, $payload);
        }
        # What is left is the beginning of a request, or nonsense (then say so and stop).
        # (A whole line is a whole header, whose payload is still coming.)
        die "runyard-spawner: a request it does not understand\n"
            unless $input =~ /\A(?:(?:[SQ](?: \d*(?: \d*)?)?)?\z|[SQ] \d+ \d+\n)/;
    }
    orphaned() unless flush_reports();
}
