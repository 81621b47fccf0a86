#!/usr/bin/perl
# Times one command as a whole process tree, for bench/lib/measure.js. It makes itself a child
# subreaper (prctl), so every process the command starts stays its descendant even when its
# parent exits first (a detached executor, a daemonised helper): all of them are reaped here,
# and getrusage(RUSAGE_CHILDREN) then holds the user and system time of the whole tree. Peak
# RSS is the largest sum of VmRSS over the tree, sampled every interval from /proc (the
# children lists), and never less than the largest single process's own peak (ru_maxrss).
# Usage: measure.pl <interval-ms> <command> [args...]; the command's stdin and stdout are
# /dev/null, its stderr is ours; one JSON line on stdout. Perl because it is in every Debian
# base system and needs no compiler; Node cannot become a subreaper.
use strict;
use warnings;
use Config;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time);

my ($interval_ms, @command) = @ARGV;
die "usage: measure.pl <interval-ms> <command> [args...]\n" unless @command;
my %calls = (
  x86_64 => { prctl => 157, getrusage => 98 },
  aarch64 => { prctl => 167, getrusage => 165 },
);
my ($arch) = $Config{archname} =~ /^(x86_64|aarch64)/;
my $numbers = $calls{ $arch // '' } or die "measure.pl: unsupported architecture $Config{archname}\n";
syscall($numbers->{prctl}, 36, 1, 0, 0, 0) == 0 or die "prctl(PR_SET_CHILD_SUBREAPER): $!\n";
my $page_kb = POSIX::sysconf(POSIX::_SC_PAGESIZE()) / 1024;

# Wakes the sleep below at once when a child ends.
$SIG{CHLD} = sub { };

sub children_of {
  my ($pid) = @_;
  my @children;
  opendir(my $tasks, "/proc/$pid/task") or return ();
  for my $task (grep { /^\d+$/ } readdir $tasks) {
    open(my $file, '<', "/proc/$pid/task/$task/children") or next;
    my $line = <$file> // '';
    push @children, split ' ', $line;
  }
  return @children;
}

# The name each process of the tree was last seen with: a Node process forks a child that then
# execs another program (the executor starts the step spawner, Perl, and the watchdog, bash);
# caught between the fork and the exec, the child is named node, but it is no Node process
# started. Counted at the end: the processes last seen as node.
my %last_name;
sub tree_rss_kb {
  my $total = 0;
  my @queue = children_of($$);
  while (defined(my $pid = shift @queue)) {
    if (open(my $statm, '<', "/proc/$pid/statm")) {
      my (undef, $resident) = split ' ', (<$statm> // '');
      $total += ($resident // 0) * $page_kb;
    }
    if (open(my $comm, '<', "/proc/$pid/comm")) {
      $last_name{$pid} = <$comm> // '';
    }
    push @queue, children_of($pid);
  }
  return $total;
}

my $began = time;
my $pid = fork // die "fork: $!\n";
if ($pid == 0) {
  open(STDIN, '<', '/dev/null');
  open(STDOUT, '>', '/dev/null');
  exec { $command[0] } @command or print STDERR "measure.pl: cannot run $command[0]: $!\n";
  POSIX::_exit(127);
}

my ($wall, $status, $peak_kb, $samples) = (undef, undef, 0, 0);
while (1) {
  my $rss = tree_rss_kb();
  $samples += 1;
  $peak_kb = $rss if $rss > $peak_kb;
  my $reaped;
  while (($reaped = waitpid(-1, WNOHANG)) > 0) {
    if ($reaped == $pid) {
      $wall = time - $began;
      $status = $?;
    }
  }
  last if $reaped == -1;
  select(undef, undef, undef, $interval_ms / 1000);
}
my $everything = time - $began;

my $usage = "\0" x 144;
syscall($numbers->{getrusage}, -1, $usage) == 0 or die "getrusage: $!\n";
my ($user_s, $user_us, $system_s, $system_us, $max_rss_kb) = unpack('q5', $usage);
$peak_kb = $max_rss_kb if $max_rss_kb > $peak_kb;
printf(
  '{"wallMs":%.3f,"treeMs":%.3f,"userMs":%.3f,"systemMs":%.3f,"peakRssKb":%d,'
    . '"largestProcessRssKb":%d,"samples":%d,"nodeProcesses":%d,"exitCode":%d,"signal":%d}' . "\n",
  $wall * 1000, $everything * 1000, $user_s * 1000 + $user_us / 1000,
  $system_s * 1000 + $system_us / 1000, $peak_kb, $max_rss_kb, $samples,
  scalar(grep { /^node\b/ } values %last_name), $status >> 8, $status & 127,
);
