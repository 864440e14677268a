package org.symile.data;

import java.util.List;

/**
 * Bad input data with several problems, found together and reported together: the message is a first line
 * naming what was checked, then one line per problem. Command-line front ends print it line by line (other
 * messages are one line).
 */
public final class DataProblems extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String subject;
    private final List<String> problems;

    /**
     * @param subject  what was checked, e.g. "--data_dir /d: 3 problems with --experiment custom data"
     * @param problems one entry per problem, each naming its file
     */
    public DataProblems(String subject, List<String> problems) {
        super(subject + ":" + String.join("", problems.stream().map(p -> "\n  " + p).toList()));
        this.subject = subject;
        this.problems = List.copyOf(problems);
    }

    /** The first line of the message, without its colon. */
    public String subject() {
        return subject;
    }

    /** The problems, in the order found. */
    public List<String> problems() {
        return problems;
    }
}
