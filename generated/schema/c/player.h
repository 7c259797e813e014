// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 
#ifndef __SCHEMA_CODEGEN_PLAYER_H__
#define __SCHEMA_CODEGEN_PLAYER_H__ 1

#include "colyseus/schema/types.h"
#include "colyseus/schema/collections.h"
#include <stdlib.h>
#include <stddef.h>
#include <stdbool.h>

typedef struct {
    colyseus_schema_t __base;
    char* sessionId;
    char* userId;
    int16_t seatIndex;
    bool online;
    double x;
    double y;
    bool attacking;
} player_t;

static const colyseus_field_t player_fields[] = {
    {0, "sessionId", COLYSEUS_FIELD_STRING, "string", offsetof(player_t, sessionId), NULL, NULL, NULL},
    {1, "userId", COLYSEUS_FIELD_STRING, "string", offsetof(player_t, userId), NULL, NULL, NULL},
    {2, "seatIndex", COLYSEUS_FIELD_INT16, "int16", offsetof(player_t, seatIndex), NULL, NULL, NULL},
    {3, "online", COLYSEUS_FIELD_BOOLEAN, "boolean", offsetof(player_t, online), NULL, NULL, NULL},
    {4, "x", COLYSEUS_FIELD_FLOAT64, "float64", offsetof(player_t, x), NULL, NULL, NULL},
    {5, "y", COLYSEUS_FIELD_FLOAT64, "float64", offsetof(player_t, y), NULL, NULL, NULL},
    {6, "attacking", COLYSEUS_FIELD_BOOLEAN, "boolean", offsetof(player_t, attacking), NULL, NULL, NULL}
};

static player_t* player_create(void) {
    player_t* instance = calloc(1, sizeof(player_t));
    return instance;
}

static void player_destroy(colyseus_schema_t* schema) {
    player_t* instance = (player_t*)schema;
    if (instance->sessionId) free(instance->sessionId);
    if (instance->userId) free(instance->userId);
    free(instance);
}

static const colyseus_schema_vtable_t player_vtable = {
    "Player",
    sizeof(player_t),
    (colyseus_schema_t* (*)(void))player_create,
    player_destroy,
    player_fields,
    7
};

#endif
