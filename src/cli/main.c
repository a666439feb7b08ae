/* aipipe: one binary, one subcommand per service or tool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "registry/registry.h"
#include "serve/serve.h"
#include "vision/image.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"serve", serve_main, "run the inference service (timetables, OCR, features, models)"},
    {"registry", reg_main, "run the model registry and tracking server (MLflow REST API)"},
    {"ocr", cli_ocr, "read the text of one image and print it as JSON"},
    {"datagen", cli_datagen, "draw synthetic timetables with exact gold answers"},
    {"train", cli_train, "train the OCR model: ocr, lora, distill, merge, eval"},
    {"extract", cli_extract, "read one timetable document and print its timeblocks"},
    {"eval", cli_eval, "score extraction against gold timetables (EVAL.md)"},
    {"artifacts", cli_artifacts, "sync and list artifact stores (local directory, s3://)"},
    {"models", cli_models, "list, register, promote, deploy and roll back models"},
    {"pipeline", cli_pipeline,
     "run the training pipeline: data, train, evaluate, register, promote"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: aipipe <command> [flags]   (aipipe <command> --help for its flags)\n\n"
                 "aipipe reads teachers' timetables (images, PDF, DOCX) into timeblocks, and runs\n"
                 "the platform around it: services, training, data generation, evaluation.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nflags:\n  --help     this text\n  --version  print the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("aipipe %s\n", AIPIPE_VERSION);
        return 0;
    }
    img_init(); /* every command may touch images: Leptonica reports through ap_error only */
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "aipipe: unknown command '%s' (see 'aipipe --help')\n", argv[1]);
    return 2;
}
