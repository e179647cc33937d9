#include "pages/ServingPage.h"

#include <QGridLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

#include "client/ServerHealth.h"
#include "models/ModelTableModel.h"
#include "widgets/LatencyChart.h"

namespace atalaya::ui {

namespace {

QString formatUptime(double seconds) {
    const auto total = static_cast<qint64>(seconds);
    const qint64 days = total / 86400;
    const qint64 hours = total % 86400 / 3600;
    const qint64 minutes = total % 3600 / 60;
    if (days > 0) {
        return ServingPage::tr("%1 d %2 h").arg(days).arg(hours);
    }
    if (hours > 0) {
        return ServingPage::tr("%1 h %2 min").arg(hours).arg(minutes);
    }
    return ServingPage::tr("%1 min %2 s").arg(minutes).arg(total % 60);
}

QString statusText(client::ServerStatus status) {
    switch (status) {
        case client::ServerStatus::Ok:
            return ServingPage::tr("OK");
        case client::ServerStatus::Loading:
            return ServingPage::tr("Loading models");
        case client::ServerStatus::Degraded:
            return ServingPage::tr("Degraded (a model version failed)");
        case client::ServerStatus::Unknown:
            break;
    }
    return ServingPage::tr("Unknown");
}

QLabel* addField(QGridLayout* grid, int row, int column, const QString& name) {
    auto* label = new QLabel(name);
    label->setStyleSheet(QStringLiteral("color: palette(mid);"));
    auto* value = new QLabel(QStringLiteral("–"));
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    grid->addWidget(label, row, column * 2);
    grid->addWidget(value, row, column * 2 + 1);
    return value;
}

}  // namespace

ServingPage::ServingPage(QWidget* parent) : QWidget(parent), m_models(new ModelTableModel(this)) {
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("modelTable"));
    m_table->setModel(m_models);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);  // the reason column

    m_chart = new LatencyChart;
    m_chart->setObjectName(QStringLiteral("latencyChart"));

    m_modelsBox = new QGroupBox(tr("Model versions"));
    auto* modelsLayout = new QVBoxLayout(m_modelsBox);
    modelsLayout->addWidget(m_table);

    m_splitter = new QSplitter(Qt::Vertical);
    m_splitter->addWidget(m_modelsBox);
    m_splitter->addWidget(m_chart);
    m_splitter->setStretchFactor(1, 1);  // on resize, the chart takes the change
    m_splitter->setChildrenCollapsible(false);
    // Once the user drags the handle, their split wins over fitting the table to its rows.
    connect(m_splitter, &QSplitter::splitterMoved, this, [this] { m_userSizedSplit = true; });

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(createServerBox());
    layout->addWidget(m_splitter, 1);
}

QWidget* ServingPage::createServerBox() {
    auto* box = new QGroupBox(tr("Server"));
    auto* grid = new QGridLayout(box);
    m_address = addField(grid, 0, 0, tr("Address"));
    m_status = addField(grid, 0, 1, tr("Status"));
    m_uptime = addField(grid, 0, 2, tr("Uptime"));
    m_device = addField(grid, 1, 0, tr("Device"));
    m_blas = addField(grid, 1, 1, tr("BLAS"));
    m_threads = addField(grid, 1, 2, tr("Threads"));
    for (int column : {1, 3, 5}) {
        grid->setColumnStretch(column, 1);
    }
    m_warnings = new QLabel;
    m_warnings->setObjectName(QStringLiteral("runtimeWarnings"));
    m_warnings->setWordWrap(true);
    m_warnings->setStyleSheet(QStringLiteral("color: #a15c00;"));
    m_warnings->hide();
    grid->addWidget(m_warnings, 2, 0, 1, 6);
    return box;
}

void ServingPage::showHealth(const client::ServerHealth& health) {
    m_address->setText(health.serverVersion.isEmpty()
                           ? health.address
                           : tr("%1 (version %2)").arg(health.address, health.serverVersion));
    m_status->setText(statusText(health.status));
    m_uptime->setText(formatUptime(health.uptimeSeconds));

    const client::RuntimeInfo& runtime = health.runtime;
    m_device->setText(runtime.device);
    m_blas->setText(runtime.blas);
    m_blas->setToolTip(runtime.blasLibrary);
    m_threads->setText(
        tr("workers %1 · intra-op %2").arg(runtime.inferenceWorkers).arg(runtime.intraOpThreads));
    m_threads->setToolTip(
        tr("Inference workers (forward passes at once) × intra-op threads "
           "each; their product should not exceed the cores"));
    m_warnings->setText(runtime.warnings.join(u'\n'));
    m_warnings->setVisible(!runtime.warnings.isEmpty());

    m_models->setModels(health.models);
    fitTableToRows();
    m_chart->retainVersions(health.models);
}

std::chrono::seconds ServingPage::chartWindow() const {
    return m_chart->window();
}

void ServingPage::showTimeSeries(const client::TimeSeries& series) {
    m_chart->showTimeSeries(series);
}

// Every version in view without scrolling, up to a point; the chart gets the rest.
void ServingPage::fitTableToRows() {
    if (m_userSizedSplit || !m_splitter->isVisible()) {
        return;
    }
    constexpr int kMostRowsShown = 8;
    const int rows = std::clamp(m_models->rowCount(), 1, kMostRowsShown);
    const int chrome = m_modelsBox->height() - m_table->viewport()->height();
    const int wanted = chrome + rows * m_table->verticalHeader()->defaultSectionSize();
    const int total = m_splitter->height() - m_splitter->handleWidth();
    m_splitter->setSizes({wanted, std::max(total - wanted, m_chart->minimumHeight())});
}

}  // namespace atalaya::ui
