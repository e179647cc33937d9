#include "pages/DriftPage.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>
#include <chrono>

#include "client/AdminClient.h"
#include "widgets/DriftScoreChart.h"
#include "widgets/HistogramChart.h"

namespace atalaya::ui {

namespace {

constexpr int kModelRole = Qt::UserRole;
constexpr int kVersionRole = Qt::UserRole + 1;
constexpr qint64 kHourMs = 3'600'000;

QLabel* caption(const QString& text) {
    auto* label = new QLabel(text);
    label->setStyleSheet(QStringLiteral("color: palette(mid);"));
    return label;
}

}  // namespace

DriftPage::DriftPage(client::AdminClient& client, QWidget* parent)
    : QWidget(parent), m_client(client) {
    m_scores = new DriftScoreChart;
    m_scores->setObjectName(QStringLiteral("driftScoreChart"));
    m_histogram = new HistogramChart;
    m_histogram->setObjectName(QStringLiteral("driftHistogramChart"));

    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(m_scores);
    splitter->addWidget(m_histogram);
    splitter->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(createControls());
    layout->addWidget(splitter, 1);

    connect(&m_client, &client::AdminClient::healthUpdated, this, &DriftPage::showVersions);
    connect(&m_client, &client::AdminClient::driftSeriesUpdated, this, &DriftPage::showSeries);
    connect(&m_client, &client::AdminClient::histogramUpdated, this, &DriftPage::showHistogram);
    using namespace std::chrono_literals;
    m_timer.setInterval(5s);
    connect(&m_timer, &QTimer::timeout, this, &DriftPage::refresh);
}

void DriftPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refresh();
    m_timer.start();
}

void DriftPage::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    m_timer.stop();
}

QWidget* DriftPage::createControls() {
    m_versionBox = new QComboBox;
    m_versionBox->setObjectName(QStringLiteral("driftVersionBox"));
    m_versionBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_featureBox = new QComboBox;
    m_featureBox->setObjectName(QStringLiteral("driftFeatureBox"));
    m_featureBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_statisticBox = new QComboBox;
    for (const auto statistic :
         {DriftScoreChart::Statistic::Psi, DriftScoreChart::Statistic::KsStatistic,
          DriftScoreChart::Statistic::JensenShannon,
          DriftScoreChart::Statistic::WassersteinNormalized}) {
        m_statisticBox->addItem(DriftScoreChart::statisticName(statistic),
                                static_cast<int>(statistic));
    }
    m_rangeBox = new QComboBox;
    m_rangeBox->addItem(tr("Last hour"), kHourMs);
    m_rangeBox->addItem(tr("Last 6 hours"), 6 * kHourMs);
    m_rangeBox->addItem(tr("Last 24 hours"), 24 * kHourMs);
    m_rangeBox->addItem(tr("Last 7 days"), 7 * 24 * kHourMs);
    m_verdict = new QLabel(tr("No data yet"));
    m_verdict->setObjectName(QStringLiteral("driftVerdict"));

    connect(m_versionBox, &QComboBox::currentIndexChanged, this, &DriftPage::selectionChanged);
    connect(m_rangeBox, &QComboBox::currentIndexChanged, this, &DriftPage::refresh);
    connect(m_featureBox, &QComboBox::currentIndexChanged, this, [this] {
        const auto selected = selection();
        if (selected && !m_featureBox->currentText().isEmpty()) {
            m_client.fetchHistogram(selected->model, selected->version,
                                    m_featureBox->currentText());
        }
    });
    connect(m_statisticBox, &QComboBox::currentIndexChanged, this, [this] {
        m_scores->setStatistic(
            static_cast<DriftScoreChart::Statistic>(m_statisticBox->currentData().toInt()));
    });

    auto* bar = new QWidget;
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(caption(tr("Version")));
    row->addWidget(m_versionBox);
    row->addWidget(caption(tr("Score")));
    row->addWidget(m_statisticBox);
    row->addWidget(caption(tr("Range")));
    row->addWidget(m_rangeBox);
    row->addWidget(caption(tr("Histogram of")));
    row->addWidget(m_featureBox);
    row->addStretch(1);
    row->addWidget(m_verdict);
    return bar;
}

std::optional<DriftPage::Selection> DriftPage::selection() const {
    if (m_versionBox->currentIndex() < 0) {
        return std::nullopt;
    }
    return Selection{m_versionBox->currentData(kModelRole).toString(),
                     m_versionBox->currentData(kVersionRole).toLongLong()};
}

qint64 DriftPage::rangeMs() const {
    return m_rangeBox->currentData().toLongLong();
}

void DriftPage::showVersions(const client::ServerHealth& health) {
    // Only READY versions are offered; the list is rebuilt only when it changes, so the user's
    // choice survives every health update.
    QStringList labels;
    for (const client::ModelVersionHealth& model : health.models) {
        if (model.state == client::ModelState::Ready) {
            labels.append(model.name + u" v" + QString::number(model.version));
        }
    }
    QStringList shown;
    for (int i = 0; i < m_versionBox->count(); ++i) {
        shown.append(m_versionBox->itemText(i));
    }
    if (labels == shown) {
        return;
    }
    const QString current = m_versionBox->currentText();
    const QSignalBlocker blocker(m_versionBox);
    m_versionBox->clear();
    for (const client::ModelVersionHealth& model : health.models) {
        if (model.state != client::ModelState::Ready) {
            continue;
        }
        m_versionBox->addItem(model.name + u" v" + QString::number(model.version));
        const int index = m_versionBox->count() - 1;
        m_versionBox->setItemData(index, model.name, kModelRole);
        m_versionBox->setItemData(index, model.version, kVersionRole);
    }
    const int kept = m_versionBox->findText(current);
    m_versionBox->setCurrentIndex(kept >= 0 ? kept : (m_versionBox->count() > 0 ? 0 : -1));
    if (m_versionBox->currentText() != current) {
        selectionChanged();
    }
}

void DriftPage::selectionChanged() {
    {
        const QSignalBlocker blocker(m_featureBox);
        m_featureBox->clear();
    }
    m_scores->clear();
    m_histogram->clear();
    m_verdict->setText(tr("No data yet"));
    refresh();
}

void DriftPage::refresh() {
    const auto selected = selection();
    if (!selected || !isVisible()) {
        return;
    }
    m_requestedToMs = QDateTime::currentMSecsSinceEpoch();
    m_client.fetchDriftSeries(selected->model, selected->version, m_requestedToMs - rangeMs(),
                              m_requestedToMs);
    if (!m_featureBox->currentText().isEmpty()) {
        m_client.fetchHistogram(selected->model, selected->version, m_featureBox->currentText());
    }
}

void DriftPage::showSeries(const client::DriftSeries& series) {
    const auto selected = selection();
    if (!selected || series.model != selected->model || series.version != selected->version) {
        return;  // an answer for an earlier selection
    }
    m_scores->showSeries(series, m_requestedToMs - rangeMs(), m_requestedToMs);
    if (series.verdicts.isEmpty()) {
        m_verdict->setText(tr("No drift history in this range yet"));
        m_verdict->setStyleSheet({});
    } else {
        const client::DriftVerdictPoint& last = series.verdicts.constLast();
        m_verdict->setText(last.drift ? tr("● Drift detected (window %1)").arg(last.windowSize)
                                      : tr("● No drift (window %1)").arg(last.windowSize));
        m_verdict->setStyleSheet(last.drift ? QStringLiteral("color: #a11212;")
                                            : QStringLiteral("color: #1b5e20;"));
    }
    // Features are offered once the history names them; the first one is shown by default.
    QStringList names;
    for (const client::DriftFeatureSeries& feature : series.features) {
        names.append(feature.name);
    }
    QStringList shown;
    for (int i = 0; i < m_featureBox->count(); ++i) {
        shown.append(m_featureBox->itemText(i));
    }
    if (names != shown) {
        const QString current = m_featureBox->currentText();
        {
            const QSignalBlocker blocker(m_featureBox);
            m_featureBox->clear();
            m_featureBox->addItems(names);
            const int kept = m_featureBox->findText(current);
            m_featureBox->setCurrentIndex(kept >= 0 ? kept : (names.isEmpty() ? -1 : 0));
        }
        if (!m_featureBox->currentText().isEmpty()) {
            m_client.fetchHistogram(selected->model, selected->version,
                                    m_featureBox->currentText());
        }
    }
}

void DriftPage::showHistogram(const client::FeatureHistogram& histogram) {
    const auto selected = selection();
    if (!selected || histogram.model != selected->model || histogram.version != selected->version ||
        histogram.feature != m_featureBox->currentText()) {
        return;
    }
    m_histogram->showHistogram(histogram);
}

}  // namespace atalaya::ui
