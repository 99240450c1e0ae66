package io.hspace.cli;

import io.hspace.engine.DType;
import picocli.CommandLine;

/** Lets picocli parse {@code --dtype} through {@link DType#lookup}, whose error lists the valid names. */
final class DTypeConverter implements CommandLine.ITypeConverter<DType> {
    @Override
    public DType convert(String value) {
        return DType.lookup(value);
    }
}
